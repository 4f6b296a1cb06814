#!/bin/sh
# test-onnx-roundtrip.sh ONNX_TOOL: each shipped model and the test models that use
# only ops ONNX has one node for, .keras -> nn_onnx_save -> nn_onnx_load, give the same
# probabilities on the first 1,000 MNIST test images (within 1e-5). Skips (77) without MNIST.
set -eu
tool=$1
here=$(cd "$(dirname "$0")" && pwd)
src=${DIGITS_SOURCE_DIR:-$here/../..}
mnist=${DIGITS_MNIST_DIR:-$src/data/mnist}
[ -f "$mnist/t10k-images-idx3-ubyte" ] \
  || { echo "SKIP: no MNIST test images in $mnist (scripts/setup.sh)"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$tool" models "$tmp"
status=0
# onnx_images is left out: its gelu and silu are several ONNX nodes each, which the
# reader does not gather back into one activation.
for model in "$src"/models/*.keras "$tmp"/onnx_vectors.keras "$tmp"/onnx_matrix.keras; do
  "$tool" roundtrip "$model" "$mnist" 1000 "$tmp/roundtrip.onnx" || status=1
done
exit $status
