#!/usr/bin/env python3
"""Exports the shipped models and the test models of onnx-tool with `digits-cli export`
and checks every file with the ONNX project's own checker (Debian's python3-onnx:
onnx.checker.check_model with full_check, which runs strict shape inference), then
what the graph promises: opset 13 or later, the input "input" float [N, 28, 28, 1]
with a symbolic batch, the output float [N, classes], no Dropout, and the inferred
output shape. Skips (exit 77) when the onnx module is missing.

    test-onnx-checker.py DIGITS_CLI ONNX_TOOL"""
import glob
import os
import subprocess
import sys
import tempfile

try:
    import onnx
    from onnx import shape_inference
except ImportError:
    # A pyenv or venv python first on PATH may lack Debian's python3-onnx.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
            and not os.environ.get("ONNX_CHECKER_REEXEC"):
        os.environ["ONNX_CHECKER_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("SKIP: the onnx Python module is not installed (apt-get install python3-onnx)")
    sys.exit(77)

cli, tool = sys.argv[1], sys.argv[2]
src = os.environ.get("DIGITS_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FLOAT = onnx.TensorProto.FLOAT


def dims(value_info):
    shape = value_info.type.tensor_type.shape
    return [d.dim_param if d.HasField("dim_param") else d.dim_value for d in shape.dim]


def check(path, classes):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    problems = []
    opset = [o.version for o in model.opset_import if o.domain in ("", "ai.onnx")]
    if not opset or opset[0] < 13:
        problems.append("opset %s, not 13 or later" % opset)
    g = model.graph
    if [i.name for i in g.input] != ["input"] or dims(g.input[0]) != ["N", 28, 28, 1] \
            or g.input[0].type.tensor_type.elem_type != FLOAT:
        problems.append("input %s" % [(i.name, dims(i)) for i in g.input])
    if len(g.output) != 1 or dims(g.output[0]) != ["N", classes] \
            or g.output[0].type.tensor_type.elem_type != FLOAT:
        problems.append("output %s" % [(o.name, dims(o)) for o in g.output])
    if any(n.op_type == "Dropout" for n in g.node):
        problems.append("a Dropout node")
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    if dims(inferred.graph.output[0]) != ["N", classes]:
        problems.append("inferred output %s" % dims(inferred.graph.output[0]))
    ops = sorted({n.op_type for n in g.node})
    return problems, len(g.node), ops


failures = 0
with tempfile.TemporaryDirectory() as tmp:
    subprocess.run([tool, "models", tmp], check=True)
    models = sorted(glob.glob(os.path.join(src, "models", "*.keras"))) \
        + sorted(glob.glob(os.path.join(tmp, "*.keras")))
    for keras in models:
        name = os.path.splitext(os.path.basename(keras))[0]
        out = os.path.join(tmp, name + ".onnx")
        subprocess.run([cli, "export", keras, out], check=True, stdout=subprocess.DEVNULL)
        try:
            problems, n_nodes, ops = check(out, 10)
        except Exception as e:  # the checker's ValidationError and friends
            problems, n_nodes, ops = ["%s: %s" % (type(e).__name__, e)], 0, []
        if problems:
            failures += 1
            print("FAIL %s: %s" % (name, "; ".join(problems)))
        else:
            print("ok   %s: onnx %s full check passed, %d nodes: %s"
                  % (name, onnx.__version__, n_nodes, " ".join(ops)))
sys.exit(1 if failures else 0)
