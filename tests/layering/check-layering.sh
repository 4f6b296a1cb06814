#!/bin/sh
# check-layering.sh BUILD_ROOT TARGET HEADER [ok]: builds TARGET (a library made of
# one file that includes HEADER) and passes when the compiler could not find HEADER,
# or, with "ok", when the build succeeds. Any other failure (an unknown target, a
# different error) fails, so a broken check cannot pass by accident.
build=$1 target=$2 header=$3 want=${4:-missing}
rel=$(realpath --relative-to="$build" "$target")
out=$(${NINJA:-ninja} -C "$build" "$rel" 2>&1)
rc=$?
if [ "$want" = ok ]; then
  [ $rc -eq 0 ] && exit 0
  printf '%s\n' "$out"; echo "FAIL: $rel should build"; exit 1
fi
if [ $rc -eq 0 ]; then
  echo "FAIL: $rel built: $header is visible where it should not be"; exit 1
fi
if printf '%s\n' "$out" | grep -q "$header: No such file"; then
  echo "ok: $header is not visible to $rel"; exit 0
fi
printf '%s\n' "$out"; echo "FAIL: $rel failed for another reason"; exit 1
