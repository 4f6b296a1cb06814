#!/usr/bin/env bash
# run-gui-test.sh TEST.sh OUTDIR: runs one end-to-end test in a fresh home, with
# its own session bus and X server, animations and key repeat off (GUI_TESTING.md §2b).
set -euo pipefail
test_script=$1 out=$2
rm -rf "$out"; mkdir -p "$out"
T=$(mktemp -d "${TMPDIR:-/tmp}/digits-gui.XXXXXX")
trap 'rm -rf "$T"' EXIT
export HOME=$T XDG_CONFIG_HOME=$T/.config XDG_DATA_HOME=$T/.local/share XDG_CACHE_HOME=$T/.cache
mkdir -p "$XDG_CONFIG_HOME/gtk-4.0" "$XDG_DATA_HOME"
printf '[Settings]\ngtk-enable-animations=false\n' >"$XDG_CONFIG_HOME/gtk-4.0/settings.ini"
export GDK_BACKEND=x11 GSK_RENDERER=cairo GTK_A11Y=none GSETTINGS_BACKEND=memory
export G_DEBUG=fatal-warnings NO_AT_BRIDGE=1 LANG=C.UTF-8
# No key auto-repeat: on a loaded machine the key-up of an xdotool key can come late
# enough for the server to repeat the key (a held Ctrl+S saved a sample 13 times).
exec dbus-run-session -- xvfb-run -a -s "-screen 0 ${GUI_SCREEN:-1280x800}x24 -r -ardelay 60000" \
  bash "$test_script" "$out"
