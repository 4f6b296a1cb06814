#!/bin/sh
# scripts/fuzz.sh SECONDS [TARGET...]: builds the libFuzzer targets of tests/fuzz
# (clang, ASan + UBSan) in build-fuzz and runs each for SECONDS, one after the
# other, single process. Prints per target the executions and what was found, and
# exits non-zero when any target found a crash in our own code, a leak, an
# out-of-memory (over 600 MB) or a timeout (over 10 s for one input).
#
# libhdf5 crashes on some structurally corrupt weights files (the reason the app
# reads untrusted models in a separate process): a crash whose innermost frame is in
# libhdf5 is listed as such and does not fail the run, unless FUZZ_STRICT=1; so is a
# finding that does not happen again when replayed alone ("unreproduced").
#
# Targets: keras keras-config keras-weights image idx folder onnx (default: all).
# New inputs go to build-fuzz/fuzz/corpus/TARGET, findings to build-fuzz/fuzz/found/TARGET.
set -eu
if [ $# -lt 1 ] || ! [ "$1" -gt 0 ] 2>/dev/null; then
  echo "usage: $0 SECONDS [TARGET...]" >&2
  exit 2
fi
seconds=$1
shift
src=$(cd "$(dirname "$0")/.." && pwd)
build=${FUZZ_BUILD_DIR:-$src/build-fuzz}
targets=${*:-keras keras-config keras-weights image idx folder onnx}

if [ ! -f "$build/build.ninja" ]; then
  # fuzzer-no-link instruments every library for coverage; only the targets link
  # libFuzzer. -march=native: clang ignores the engine's "#pragma GCC target", so
  # its AVX-512 kernels compile only where the build machine's own ISA has them.
  CC=clang meson setup "$build" "$src" -Dbuildtype=debugoptimized -Dgui=disabled \
    -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=enabled \
    "-Dc_args=-fsanitize=fuzzer-no-link -march=native" >"${TMPDIR:-/tmp}/digits-fuzz-setup.log" 2>&1 \
    || { cat "${TMPDIR:-/tmp}/digits-fuzz-setup.log" >&2; exit 1; }
fi
ninja_targets=
for t in $targets; do ninja_targets="$ninja_targets tests/fuzz/fuzz-$t"; done
# shellcheck disable=SC2086
ninja -C "$build" -j2 $ninja_targets >"$build/fuzz-ninja.log" 2>&1 \
  || { tail -40 "$build/fuzz-ninja.log" >&2; exit 1; }

# The innermost frame of a replayed finding that is not an allocator, libc or
# libFuzzer frame, and "libhdf5" when that frame is in libhdf5 outside H5Dread:
# HDF5's own metadata handling, which only the separate reader process can contain.
# A dataset read (H5Dread) that crashes or allocates too much is ours to validate
# first. An out-of-memory report lists the live heap by context, the largest first,
# and that is often libFuzzer's own copy of its inputs (operator new under main):
# skipped, so the next context names who grew (a weights file that took HDF5 to
# 1.6 GB under ASan, and 17 MB and a clear error without it).
classify() {
  if trace=$("$build/tests/fuzz/fuzz-$1" -rss_limit_mb=600 -malloc_limit_mb=600 "$2" 2>&1); then
    echo unreproduced
    return
  fi
  frame=$(printf '%s\n' "$trace" | grep -E '^ +#[0-9]+ ' \
    | grep -Ev ' in (malloc|calloc|realloc|free|posix_memalign|aligned_alloc|__mem[a-z0-9_]*|memcpy|memmove|memset|__interceptor_|__asan|__sanitizer|__lsan|fuzzer::|abort|raise|__libc|gsignal|g_malloc|g_realloc|g_try_|operator new|main )' \
    | head -1)
  case $frame in
    *libhdf5*)
      if printf '%s\n' "$trace" | grep -q ' in H5Dread '; then echo "$3"; else echo "libhdf5"; fi ;;
    *) echo "$3" ;;
  esac
}

max_len() {
  case $1 in
    keras) echo 131072 ;; keras-weights) echo 65536 ;; folder) echo 32768 ;;
    idx) echo 8192 ;; *) echo 16384 ;;
  esac
}

export LSAN_OPTIONS="suppressions=$src/tests/lsan.supp:print_suppressions=0"
# A failed allocation is HDF5's to handle (it asks for absurd sizes on corrupt files);
# one that succeeds above 600 MB is caught by -malloc_limit_mb.
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1}"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export OPENBLAS_NUM_THREADS=1
failed=0
printf '%-14s %10s %8s  %s\n' target executions exec/s findings
for t in $targets; do
  corpus="$build/fuzz/corpus/$t"
  found="$build/fuzz/found/$t"
  log="$build/fuzz/$t.log"
  rm -rf "$found"
  mkdir -p "$corpus" "$found"
  # Fork mode keeps fuzzing after a finding (one child at a time); each finding is
  # saved under $found and classified below.
  "$build/tests/fuzz/fuzz-$t" "$corpus" "$src/tests/fuzz/corpus/$t" \
    -fork=1 -ignore_crashes=1 -ignore_ooms=1 -ignore_timeouts=1 \
    -max_total_time="$seconds" -max_len="$(max_len "$t")" -timeout=10 \
    -rss_limit_mb=600 -malloc_limit_mb=600 -artifact_prefix="$found/" \
    >"$log" 2>&1 || true
  execs=$(grep -ao '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  rate=$(grep -ao 'exec/s:\{0,1\} [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)
  notes=
  for f in "$found"/*; do
    [ -e "$f" ] || continue
    name=$(basename "$f")
    case $name in
      crash-*) kind=$(classify "$t" "$f" crash) ;;
      oom-*) kind=$(classify "$t" "$f" oom) ;;
      leak-*) kind=leak ;;
      timeout-*|slow-unit-*) kind=timeout ;;
      *) continue ;;
    esac
    notes="$notes $kind:$f"
    case $kind in
      libhdf5|unreproduced) [ "${FUZZ_STRICT:-0}" = 1 ] && failed=1 ;;
      *) failed=1 ;;
    esac
  done
  printf '%-14s %10s %8s  %s\n' "$t" "${execs:-0}" "${rate:-?}" "${notes:- none}"
  [ -n "$execs" ] || { echo "  $t did not run; see $log" >&2; failed=1; }
done
exit $failed
