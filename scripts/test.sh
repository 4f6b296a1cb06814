#!/usr/bin/env bash
# Sets everything up and runs the whole test suite three times:
#   1. a -Werror build with every suite (unit, data files, GUI under Xvfb, CLI);
#   2. an AddressSanitizer + UndefinedBehaviorSanitizer build with the unit suite;
#   3. a ThreadSanitizer build with the tests whose code runs on several threads;
#   4. every fuzz target for a short while (scripts/fuzz.sh, with clang);
#   5. the Debian package and lintian (scripts/build-package.sh).
# Ends with the line "N passed, N failed, N skipped" (with the reason for each skip)
# and a non-zero exit on any failure.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/setup.sh" --tests || { echo "0 passed, 1 failed"; exit 1; }

passed=0
failed=0
skipped=0
skip_reasons=()
failures=()

# count_results BUILD_DIR: adds that run's results to the totals. A test that skips as
# a whole counts as skipped, and so does each skipped case inside a TAP test that
# otherwise passed; the reasons are printed at the end.
count_results() {
  local log="$1/meson-logs/testlog.json" p f k line
  [[ -f "$log" ]] || { failed=$((failed + 1)); failures+=("$1: no test log"); return; }
  {
    read -r p f k
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + k))
    while IFS= read -r line; do
      case $line in
        "FAILED "*) failures+=("$1: ${line#FAILED }") ;;
        *) skip_reasons+=("$1: $line") ;;
      esac
    done
  } < <(python3 - "$log" <<'PY'
import json, re, sys
ok = bad = skip = 0
reasons = []
for line in open(sys.argv[1]):
    line = line.strip()
    if not line:
        continue
    r = json.loads(line)
    name, result, out = r["name"].split(" / ")[-1], r["result"], r.get("stdout") or ""
    if result == "SKIP":
        skip += 1
        m = re.search(r"(?:# SKIP|SKIP:?)\s*(.*)", out)
        reasons.append(f"{name}: {m.group(1).strip() if m else 'skipped'}")
    elif result in ("OK", "EXPECTEDFAIL"):
        ok += 1
        for m in re.finditer(r"^ok \d+ (.*?)\s*# SKIP\s*(.*)$", out, re.M):
            skip += 1
            reasons.append(f"{name} {m.group(1).lstrip('- ')}: {m.group(2).strip()}")
    else:
        bad += 1
        reasons.append(f"FAILED {name} ({result})")
print(ok, bad, skip)
for reason in reasons:
    print(reason)
PY
)
}

run_build() { # BUILD_DIR SUITE_ARGS MESON_ARGS...
  local dir="$1" suites="$2"; shift 2
  echo "==> Configuring $dir"
  if [[ -d "$dir" ]]; then
    meson setup --reconfigure "$dir" "$@" >/dev/null || meson setup --wipe "$dir" "$@" >/dev/null
  else
    meson setup "$dir" "$@" >/dev/null
  fi || { echo "configure failed: $dir"; failed=$((failed + 1)); failures+=("$dir: configure"); return; }
  echo "==> Building $dir"
  ninja -C "$dir" || { echo "build failed: $dir"; failed=$((failed + 1)); failures+=("$dir: build"); return; }
  rm -f "$dir/meson-logs/testlog.json"
  echo "==> Testing $dir"
  # shellcheck disable=SC2086
  meson test -C "$dir" --print-errorlogs $suites
  count_results "$dir"
}

# Every suite but the screenshots (scripts/screenshots.sh runs those).
run_build build-ci "--no-suite screenshots" --werror -Dbuildtype=debugoptimized
# The unit suite again under AddressSanitizer + UndefinedBehaviorSanitizer, with the
# GUI library built so that its display-free parts (the job runner) are covered too.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  LSAN_OPTIONS=suppressions="$top/tests/lsan.supp" \
  run_build build-asan "--suite unit --timeout-multiplier 4" --werror -Dbuildtype=debug \
    -Db_sanitize=address,undefined -Db_lundef=false
# And under ThreadSanitizer, the tests whose code runs on several threads: the
# engine's thread pool and barrier (forward, gradients at 1 and 2 threads), the fit
# loop, the evaluation runner, the GUI's job runner, concurrent .keras loads and
# the reader process.
tsan_tests="nn/test-forward nn/test-gradients test-fit test-runner job-runner test-keras
  test-keras-isolated test-train-safety"
# G_SLICE=always-malloc: GLib 2.74's slice allocator recycles blocks across threads
# through locks ThreadSanitizer cannot see.
G_SLICE=always-malloc TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$top/tests/tsan.supp" \
  run_build build-tsan "--timeout-multiplier 6 $tsan_tests" --werror -Dbuildtype=debug \
    -Db_sanitize=thread -Db_lundef=false

# Every fuzz target for a short while (scripts/fuzz.sh; FUZZ_SECONDS, default 30), so
# that a regression on a known crash is caught; longer runs are for developers.
echo "==> Fuzzing each target for ${FUZZ_SECONDS:-30} s"
if "$top/scripts/fuzz.sh" "${FUZZ_SECONDS:-30}"; then
  passed=$((passed + 1))
else
  echo "fuzzing found a problem (see above)"
  failed=$((failed + 1)); failures+=("fuzzing")
fi

# The Debian package (scripts/build-package.sh): dpkg-buildpackage and lintian, one
# test. Its unit suite is not run again (nocheck): the builds above ran it. It skips
# where it cannot run for a reason outside the project (not Debian, no debhelper,
# build dependencies that cannot be installed); scripts/check-package.sh, as root,
# also installs it in a clean Debian 12 root.
echo "==> Building the Debian package"
mkdir -p "$top/build-deb"
deb_log="$top/build-deb/build-package.log"
"$top/scripts/build-package.sh" --nocheck "$top/build-deb" > "$deb_log" 2>&1
case $? in
  0) passed=$((passed + 1)); tail -n 1 "$deb_log" ;;
  77) skipped=$((skipped + 1)); skip_reasons+=("debian-package: $(tail -n 1 "$deb_log" | sed 's/^SKIP: //')") ;;
  *) failed=$((failed + 1)); failures+=("debian-package")
     tail -n 40 "$deb_log"; echo "the Debian package failed ($deb_log)" ;;
esac

if ((${#skip_reasons[@]})); then
  echo "Skipped:"
  printf '  %s\n' "${skip_reasons[@]}"
fi
# The failures again at the end, where a log cut to its tail still shows them.
if ((${#failures[@]})); then
  echo "Failed:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
((failed == 0))
