#!/bin/sh
# bench/teach.sh [BUILD [BASE.keras [CORRECTIONS]]]: teach by correcting, measured.
# Renders two folders of the same font handwriting (tests/finetune/font-digits,
# 40 and 20 images per class, other seeds) and runs bench/teach-bench on them:
# the accuracy on that hand and on MNIST test before and after correcting up to 5
# misread digits per class, and the seconds of CORRECTIONS (default 20) corrections
# in a row with up to 200 samples. MNIST comes from DIGITS_MNIST_DIR or the usual
# places. Run it on a quiet machine for the seconds to mean something.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
base=${2:-$top/models/mnist_advanced.keras}
corrections=${3:-20}
ninja -C "$build" bench/teach-bench tests/train/font-digits >/dev/null
hand=$(mktemp -d "${TMPDIR:-/tmp}/teach-hand.XXXXXX")
trap 'rm -rf "$hand"' EXIT
"$build/tests/train/font-digits" "$hand/pool" 40 11 >/dev/null
"$build/tests/train/font-digits" "$hand/check" 20 12 >/dev/null
"$build/bench/teach-bench" "$base" "$hand/pool" "$hand/check" "$corrections"
