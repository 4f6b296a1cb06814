#!/usr/bin/env bash
# Builds the Debian package (debian/) and runs lintian on it:
#   scripts/build-package.sh [--nocheck] OUTDIR
# The source (tracked and new files, without build folders, data/mnist or
# node_modules) is copied to OUTDIR/digits-VERSION and built there with
# dpkg-buildpackage -us -uc -b, so the checkout stays as it was; the .deb,
# .changes and .buildinfo land in OUTDIR, with build.log and lintian.log.
# --nocheck: DEB_BUILD_OPTIONS=nocheck (the package's unit suite is not run).
# Exit status: 0 built and lintian reports no errors; 1 a failure of the package;
# 77 skipped, with the reason on the last line: this is not a Debian system with
# dpkg-buildpackage, or the build dependencies are missing and cannot be installed
# here (no root, no archive), or lintian is absent (then the build still counts).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
nocheck=0
[[ "${1:-}" == "--nocheck" ]] && { nocheck=1; shift; }
[[ $# -eq 1 ]] || { echo "usage: $0 [--nocheck] OUTDIR" >&2; exit 2; }
out=$(mkdir -p "$1" && cd "$1" && pwd)

say() { printf '==> %s\n' "$*"; }
skip() { echo "SKIP: $*"; exit 77; }

command -v dpkg-buildpackage >/dev/null 2>&1 || skip "dpkg-buildpackage is not installed (not a Debian system?)"
command -v dpkg-parsechangelog >/dev/null 2>&1 || skip "dpkg-dev is not installed"
[[ -f /usr/share/perl5/Debian/Debhelper/Buildsystem/meson.pm ]] \
  || skip "debhelper is not installed (apt-get install debhelper)"

version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version) || exit 1
src="$out/digits-$version"
rm -rf "$src" "$out"/digits_"$version"_* "$out"/build.log "$out"/lintian.log
mkdir -p "$src"
(cd "$top" && git ls-files -co --exclude-standard -z \
   | grep -zv -e '^data/mnist$' -e '^data/mnist/' -e '/node_modules/' \
   | while IFS= read -r -d '' f; do [[ -e "$f" || -L "$f" ]] && printf '%s\0' "$f"; done \
   | tar --null -T - -cf -) | tar -xf - -C "$src" || { echo "could not copy the source"; exit 1; }

if ! (cd "$src" && dpkg-checkbuilddeps) 2>/dev/null; then
  if ((EUID == 0)) && command -v apt-get >/dev/null 2>&1; then
    say "Installing the build dependencies (apt-get build-dep)"
    DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q "$src" > "$out/build-dep.log" 2>&1 \
      || skip "apt-get build-dep failed (no archive reachable?): $(grep '^E:' "$out/build-dep.log" | head -1)"
  else
    skip "$(cd "$src" && dpkg-checkbuilddeps 2>&1 | head -1)"
  fi
fi

opts="${DEB_BUILD_OPTIONS:-}"
((nocheck)) && opts="$opts nocheck"
say "dpkg-buildpackage -us -uc -b in $src${opts:+ (DEB_BUILD_OPTIONS=${opts# })}"
if ! (cd "$src" && DEB_BUILD_OPTIONS="${opts# }" dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1; then
  tail -n 60 "$out/build.log"
  echo "dpkg-buildpackage failed (the whole log: $out/build.log)"
  exit 1
fi
# the package's unit suite, when it ran
grep -E '^(Ok|Fail|Skipped|Timeout|Expected Fail|Unexpected Pass): ' "$out/build.log"
rm -rf "$src"
say "Built $(cd "$out" && ls digits_"$version"_*.deb)"

command -v lintian >/dev/null 2>&1 || skip "lintian is not installed (the package built)"
say "lintian --display-info --pedantic"
lintian --display-info --pedantic "$out"/digits_"$version"_*.changes > "$out/lintian.log" 2>&1
cat "$out/lintian.log"
if grep -q '^E: ' "$out/lintian.log"; then
  echo "lintian reports errors"
  exit 1
fi
echo "lintian: no errors, $(grep -c '^W: ' "$out/lintian.log") warnings"
