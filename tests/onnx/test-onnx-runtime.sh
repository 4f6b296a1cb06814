#!/bin/sh
# test-onnx-runtime.sh DIGITS_CLI ONNX_TOOL: exports the shipped models and the test
# models of onnx-tool with `digits-cli export`, runs each in ONNX Runtime (the npm
# package onnxruntime-node in tests/onnx/node_modules, which scripts/setup.sh --tests
# installs) on the first 1,000 MNIST test images, and fails when a probability differs
# from Digits' by more than 1e-5. Skips (77) without node, onnxruntime-node or MNIST.
set -eu
cli=$1
tool=$2
here=$(cd "$(dirname "$0")" && pwd)
src=${DIGITS_SOURCE_DIR:-$here/../..}
mnist=${DIGITS_MNIST_DIR:-$src/data/mnist}
n=1000
tol=1e-5

command -v node >/dev/null 2>&1 || { echo "SKIP: node is not installed"; exit 77; }
(cd "$here" && node -e "require('onnxruntime-node')") >/dev/null 2>&1 \
  || { echo "SKIP: onnxruntime-node is not installed in tests/onnx (scripts/setup.sh --tests)"; exit 77; }
[ -f "$mnist/t10k-images-idx3-ubyte" ] \
  || { echo "SKIP: no MNIST test images in $mnist (scripts/setup.sh)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$tool" models "$tmp"
status=0
for model in "$src"/models/*.keras "$tmp"/*.keras; do
  name=$(basename "$model" .keras)
  "$cli" export "$model" "$tmp/$name.onnx" >/dev/null
  "$tool" probs "$model" "$mnist" "$n" "$tmp/$name.f32"
  node "$here/compare-ort.js" "$tmp/$name.onnx" "$mnist" "$n" "$tmp/$name.f32" "$tol" || status=1
done
exit $status
