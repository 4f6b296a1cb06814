#!/usr/bin/env bash
# soak.sh N [BUILD_DIR]: runs the whole meson test suite of BUILD_DIR (default
# build-ci, as scripts/test.sh builds it) N times in a row while both cores are kept
# busy (stress-ng --cpu 2, or two shell busy loops without it), and prints each
# run's result and a final tally. Exit status: the number of failed runs (capped).
set -uo pipefail

n=${1:?usage: soak.sh N [BUILD_DIR]}
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${2:-$top/build-ci}
[[ -d "$build" ]] || { echo "no build in $build (run scripts/test.sh first)" >&2; exit 2; }

hog_pids=()
if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu 2 --quiet &
  hog_pids+=($!)
else
  for _ in 1 2; do (while :; do :; done) & hog_pids+=($!); done
fi
trap 'kill "${hog_pids[@]}" 2>/dev/null' EXIT

failed_runs=0
for ((i = 1; i <= n; i++)); do
  start=$SECONDS
  if meson test -C "$build" --no-rebuild >"$build/soak-$i.log" 2>&1; then
    echo "run $i/$n: ok ($((SECONDS - start)) s, load $(cut -d' ' -f1 /proc/loadavg))"
  else
    failed_runs=$((failed_runs + 1))
    echo "run $i/$n: FAILED ($((SECONDS - start)) s): $(grep -E '^ *[0-9]+/[0-9]+ .*(FAIL|TIMEOUT|ERROR)' \
      "$build/soak-$i.log" | awk '{print $4}' | tr '\n' ' ')"
    cp "$build/meson-logs/testlog.txt" "$build/soak-$i.testlog.txt"
  fi
done
echo "soak: $((n - failed_runs)) of $n full runs passed under a 2-core CPU hog"
exit $((failed_runs > 100 ? 100 : failed_runs))
