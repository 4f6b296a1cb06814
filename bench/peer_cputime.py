#!/usr/bin/python3
"""The PyTorch peer's cost per image in CPU time of one thread, for comparing on a
busy machine, where wall-clock figures mostly measure the neighbours.

Pairs with build/bench/nn-layer-bench (the engine, same measure). Both run one
thread, so the ratio is the per-core ratio; with the batch split over two cores
both scale the same way. Uses the architectures of ../shared/bench/torch_peer.py.
  GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824 \
    bench/peer_cputime.py [cnn|advanced]      (the malloc setting of run_peer.sh)
"""
import contextlib
import io
import os
import statistics
import sys
import time

os.environ["OMP_NUM_THREADS"] = "1"
os.environ["OPENBLAS_NUM_THREADS"] = "1"
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

arch = sys.argv[1] if len(sys.argv) > 1 else "cnn"
sys.argv = [sys.argv[0], "flops", "-a", arch, "-t", "1"]  # torch_peer parses them on import
here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "..", "shared", "bench"))
with contextlib.redirect_stdout(io.StringIO()):  # its import prints a FLOP table
    import torch_peer  # noqa: E402

torch.set_num_threads(1)


def per_image_us(fn, images, reps=5):
    out = []
    for _ in range(reps):
        t0 = time.thread_time()
        fn()
        out.append((time.thread_time() - t0) / images * 1e6)
    return statistics.median(out)


res = {}
for fmt in ("nchw", "cl"):
    torch_peer.args.fmt = fmt
    m = torch_peer.make(arch)
    x = torch_peer.fmt(torch.rand(256, 1, 28, 28))
    x1 = torch_peer.fmt(torch.rand(1, 1, 28, 28))
    m.eval()
    with torch.no_grad():
        m(x)
        infer = per_image_us(lambda: m(x), 256)
        for _ in range(20):
            m(x1)
        lat = per_image_us(lambda: [m(x1) for _ in range(200)], 200)
    m.train()
    opt = torch.optim.Adam(m.parameters(), 1e-3)
    xb = torch_peer.fmt(torch.rand(64, 1, 28, 28))
    yb = torch.randint(0, 10, (64,))

    def step():
        opt.zero_grad()
        nn.functional.cross_entropy(m(xb), yb).backward()
        opt.step()

    step()
    train = per_image_us(step, 64)
    res[fmt] = (infer, lat, train)
best = [min(r[i] for r in res.values()) for i in range(3)]
print(f"{arch}: PyTorch, one thread, CPU µs per image: inference (batch 256) {best[0]:.1f}, "
      f"batch of one {best[1]:.1f}, training step (batch 64) {best[2]:.1f}")
