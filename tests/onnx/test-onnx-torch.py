#!/usr/bin/env python3
"""PyTorch's ONNX files read by Digits: the architectures of the PyTorch peer
(bench/: cnn, advanced with BatchNorm and depthwise convolutions, the baseline),
variants with the other input layouts ([N, 784], [N, 28, 28], [N, 28, 28, 1]) and
the usual recipe's normalisation and matrix product (Sub, Div, MatMul, Add), with
seeded random weights and BatchNorm statistics, exported by torch.onnx.export (opset
13, symbolic batch), read by nn_onnx_load (onnx-tool probs), and compared with
PyTorch's own softmax of its logits on the first 1,000 MNIST test images: the largest
difference must be at most 1e-5. Skips (exit 77) without torch, onnx or MNIST.

    test-onnx-torch.py ONNX_TOOL"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import onnx  # noqa: F401  torch.onnx.export needs it
except ImportError as e:
    # A pyenv or venv python first on PATH may lack Debian's python3-torch.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
            and not os.environ.get("ONNX_TORCH_REEXEC"):
        os.environ["ONNX_TORCH_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: %s (apt-get install python3-torch python3-onnx)" % e)
    sys.exit(77)

tool = sys.argv[1]
src = os.environ.get("DIGITS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
mnist = os.environ.get("DIGITS_MNIST_DIR", os.path.join(src, "data", "mnist"))
images = os.path.join(mnist, "t10k-images-idx3-ubyte")
if not os.path.exists(images):
    print("SKIP: no MNIST test images in %s (scripts/setup.sh)" % mnist)
    sys.exit(77)
N = 1000
TOL = 1e-5
torch.set_num_threads(1)


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3), nn.ReLU(),
        nn.MaxPool2d(2), nn.Dropout(0.25),
        nn.Flatten(),
        nn.Linear(1600, 128), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(128, 10))


def advanced():
    def block(c_in, f, p):
        return [nn.Conv2d(c_in, f, 3, padding=1, bias=False), nn.BatchNorm2d(f), nn.ReLU(),
                nn.Conv2d(f, f, 3, padding=1, groups=f, bias=False),
                nn.Conv2d(f, f, 1, bias=False), nn.BatchNorm2d(f), nn.ReLU(),
                nn.MaxPool2d(2), nn.Dropout(p)]
    return nn.Sequential(*block(1, 32, 0.2), *block(32, 64, 0.3), *block(64, 96, 0.4),
                         nn.Flatten(), nn.Linear(864, 128), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(128, 10))


def baseline():
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 10))


class Reshaped(nn.Module):
    """A network fed another input layout, reshaped inside as people write it."""

    def __init__(self, net, how):
        super().__init__()
        self.net, self.how = net, how

    def forward(self, x):
        if self.how == "flat":        # [N, 784]
            x = x.view(-1, 1, 28, 28)
        elif self.how == "nhwc":      # [N, 28, 28, 1], as Keras feeds it
            x = x.permute(0, 3, 1, 2)
        elif self.how == "matrix":    # [N, 28, 28]
            x = x.reshape(-1, 1, 28, 28)
        return torch.log_softmax(self.net(x), dim=1) if self.how == "nhwc" else self.net(x)


class Normalized(nn.Module):
    """The usual PyTorch MNIST recipe: (x - mean) / std first (Sub, Div), and a
    dense layer written as a matrix product (MatMul, then Add as its bias)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 8, 5, stride=1, padding=2)
        self.w = nn.Parameter(torch.randn(8 * 14 * 14, 10) * 0.02)
        self.b = nn.Parameter(torch.randn(10) * 0.1)

    def forward(self, x):
        x = (x - 0.1307) / 0.3081
        x = torch.max_pool2d(torch.sigmoid(self.conv(x)), 2)
        return torch.matmul(torch.flatten(x, 1), self.w) + self.b


def randomize(model, seed):
    torch.manual_seed(seed)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.weight.data.uniform_(0.5, 1.5)
            m.bias.data.uniform_(-0.3, 0.3)
            m.running_mean.uniform_(-0.3, 0.3)
            m.running_var.uniform_(0.2, 2.0)
    # A trained network is confident: larger logits than a fresh one's, which makes
    # any difference in the earlier layers show in the probabilities.
    linear = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if linear:
        linear[-1].weight.data *= 8
    model.eval()
    return model


raw = np.fromfile(images, dtype=np.uint8, offset=16, count=N * 784)
x = (raw.astype(np.float64) / 255).astype(np.float32).reshape(N, 1, 28, 28)
cases = [
    ("cnn", lambda: cnn(), [N, 1, 28, 28]),
    ("advanced", lambda: advanced(), [N, 1, 28, 28]),
    ("baseline", lambda: baseline(), [N, 1, 28, 28]),
    ("cnn_flat_input", lambda: Reshaped(cnn(), "flat"), [N, 784]),
    ("advanced_nhwc_log_softmax", lambda: Reshaped(advanced(), "nhwc"), [N, 28, 28, 1]),
    ("baseline_matrix_input", lambda: Reshaped(baseline(), "matrix"), [N, 28, 28]),
    ("normalized_matmul", lambda: Normalized(), [N, 1, 28, 28]),
]
failures = 0
with tempfile.TemporaryDirectory() as tmp:
    for seed, (name, build, shape) in enumerate(cases):
        torch.manual_seed(seed)
        model = randomize(build(), seed)
        xin = torch.from_numpy(x.reshape(shape))
        path = os.path.join(tmp, name + ".onnx")
        torch.onnx.export(model, xin[:1], path, input_names=["input"], output_names=["out"],
                          dynamic_axes={"input": {0: "N"}, "out": {0: "N"}}, opset_version=13)
        with torch.no_grad():
            want = torch.softmax(model(xin), dim=1).numpy()
        got_path = os.path.join(tmp, name + ".f32")
        r = subprocess.run([tool, "probs", path, mnist, str(N), got_path],
                           capture_output=True, text=True)
        if r.returncode != 0:
            failures += 1
            print("FAIL %s: Digits cannot read it: %s" % (name, r.stderr.strip()))
            continue
        got = np.fromfile(got_path, dtype="<f4").reshape(want.shape)
        diff = float(np.abs(got - want).max())
        same = int((got.argmax(1) == want.argmax(1)).sum())
        ok = diff <= TOL
        failures += not ok
        print("%s %s (torch %s): %d images, max |Digits - PyTorch| = %.3e, same top class "
              "on %d/%d" % ("ok  " if ok else "FAIL", name, torch.__version__, N, diff, same, N))
sys.exit(1 if failures else 0)
