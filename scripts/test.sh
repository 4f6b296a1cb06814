#!/usr/bin/env bash
# Sets everything up and runs the whole test suite twice:
#   1. a -Werror build with every suite (unit, data files, GUI under Xvfb, CLI);
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build with the unit suite.
# Ends with the line "N passed, N failed" and a non-zero exit on any failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/setup.sh" --tests || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0

count_results() { # BUILD_DIR: adds that run's results to the totals
  local log="$1/meson-logs/testlog.json"
  [[ -f "$log" ]] || { failed=$((failed + 1)); return; }
  read -r p f < <(python3 - "$log" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL"):
        ok += 1
    elif r != "SKIP":
        bad += 1
print(ok, bad)
PY
)
  passed=$((passed + p)); failed=$((failed + f))
}

run_build() { # BUILD_DIR SUITE_ARGS MESON_ARGS...
  local dir="$1" suites="$2"; shift 2
  echo "==> Configuring $dir"
  if [[ -d "$dir" ]]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || meson setup --wipe "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi || { echo "configure failed: $dir"; failed=$((failed + 1)); return; }
  echo "==> Building $dir"
  ninja -C "$dir" || { echo "build failed: $dir"; failed=$((failed + 1)); return; }
  rm -f "$dir/meson-logs/testlog.json"
  echo "==> Testing $dir"
  # shellcheck disable=SC2086
  meson test -C "$dir" --print-errorlogs $suites
  count_results "$dir"
}

run_build build-ci "" --werror -Dbuildtype=debugoptimized
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$top/tests/lsan.supp" \
  run_build build-asan "--suite unit --timeout-multiplier 4" --werror -Dbuildtype=debug \
    -Db_sanitize=address,undefined -Db_lundef=false -Dgui=disabled

echo "$passed passed, $failed failed"
((failed == 0))
