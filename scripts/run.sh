#!/usr/bin/env bash
# Sets everything up, builds, and opens the Digits app with the shipped models
# (digits-cli on a default job when the GTK stack is unavailable).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
"$top/scripts/setup.sh"
[[ -d build ]] || meson setup build -Dbuildtype=release >/dev/null
ninja -C build
if [[ -x build/src/gui/digits ]] && [[ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]]; then
  exec build/src/gui/digits "$@"
fi
echo "No display (or no GUI build): running 'digits-cli evaluate' on the shipped CNN instead."
exec build/src/cli/digits-cli evaluate models/mnist_cnn.keras
