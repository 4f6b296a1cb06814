#!/usr/bin/env bash
# check-fresh-clone.sh [COMMIT]: what a newcomer gets. Clones COMMIT (default HEAD)
# into a new temporary folder, where no ../shared sits beside the checkout, and runs
# the README's test command there. The tests that need the shared Keras fixture
# must skip with a printed reason; everything else must pass. MNIST is copied from
# this checkout when it is here, so the check needs no network.
#   KEEP=1 keeps the clone for a look afterwards.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
commit=$(git -C "$top" rev-parse "${1:-HEAD}")
work=$(mktemp -d "${TMPDIR:-/tmp}/digits-fresh.XXXXXX")
[[ "${KEEP:-}" == 1 ]] || trap 'rm -rf "$work"' EXIT

echo "==> Cloning $commit into $work/digits (no ../shared beside it)"
git clone -q --no-local "$top" "$work/digits"
git -C "$work/digits" checkout -q "$commit"
[[ ! -e "$work/shared" ]] || { echo "$work/shared exists: the check is not fresh" >&2; exit 1; }
if [[ -f "$top/data/mnist/t10k-labels-idx1-ubyte" ]]; then
  mkdir -p "$work/digits/data/mnist"
  cp "$top"/data/mnist/*-ubyte "$work/digits/data/mnist/"
fi

cd "$work/digits"
set +e
./scripts/test.sh 2>&1 | tee "$work/test.log"
rc=${PIPESTATUS[0]}
set -e
echo "==> check-fresh-clone: $(tail -1 "$work/test.log") (exit $rc)"
exit "$rc"
