#!/usr/bin/env bash
# scripts/screenshots.sh [BUILD]: regenerates docs/screenshots/layout-*.png, every
# page (Draw with a drawn 7, Train, Evaluate's two tabs) at 400x700, 1280x800 and
# 2560x1440, by running the GUI test that checks those layouts (e2e-layout), the
# Preferences and About windows from e2e-shell, and docs/screenshots/train-page.png
# after a whole Quick run (shot-train-quick, about a minute). Look at them afterwards.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$top/build}
[[ -f $build/build.ninja ]] || { echo "no build in $build (meson setup $build first)" >&2; exit 1; }
ninja -C "$build" -j2 >/dev/null
meson test -C "$build" --no-rebuild e2e-layout e2e-shell shot-train-quick
out=$build/tests/gui
shots=$top/docs/screenshots
for size in 400x700 1280x800 2560x1440; do
  for page in draw train evaluate robustness; do
    cp "$out/e2e-layout/$page-$size.png" "$shots/layout-$page-$size.png"
  done
done
cp "$out/e2e-shell/preferences.png" "$shots/preferences.png"
cp "$out/e2e-shell/about.png" "$shots/about.png"
cp "$out/shot-train-quick/train-quick.png" "$shots/train-page.png"
ls -l "$shots"/layout-*.png "$shots/preferences.png" "$shots/about.png" "$shots/train-page.png"
