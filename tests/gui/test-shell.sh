#!/usr/bin/env bash
# With no model anywhere the Draw page explains how to get one (no crash); a model
# opened by its path then works; Ctrl+? shows the shortcuts, Ctrl+, the
# preferences.
source "$(dirname "$0")/lib.sh"
GTK_WARNING_ALLOWED=$GTK_PATH_BAR_WARNING # it opens a file chooser
start_app
wait_for '^MODEL none' 10 || fail "expected no model"
screenshot "$OUT/no-model.png"
grep -q '^PREDICTION' "$APP_LOG" && fail "a prediction without a model"

key ctrl+comma
PREFS=$(new_window '^Preferences$')
window_ready "$PREFS"
screenshot "$OUT/preferences.png" "$PREFS"
# the samples folder, chosen with a folder chooser
wait_for '^PREFS choose=' 5 || fail "no geometry of the folder button"
IFS=, read -r x y w h <<<"$(field "$(grep '^PREFS choose=' "$APP_LOG" | tail -1)" choose)"
mkdir -p "$HOME/my samples"
xdotool mousemove --window "$PREFS" $((x + w / 2)) $((y + h / 2)) click 1
chooser_enter 'Choose the Samples Folder' "$HOME/my samples/"
wait_for "^PREFS samples=$HOME/my samples\$" 5 || fail "the samples folder did not change"
window_ready "$PREFS"
key_to "$PREFS" Escape
wait_gone "$PREFS"

# About: the data's authors are credited
timeout "$(scaled 10)" gdbus call --session --dest io.github.digits.Digits \
  --object-path /io/github/digits/Digits --method org.gtk.Actions.Activate about '[]' '{}' >/dev/null \
  || fail "app.about failed"
wait_for '^DIALOG window title=About' 10 || fail "no About window"
ABOUT=$(new_window '^About')
window_ready "$ABOUT"
screenshot "$OUT/about.png" "$ABOUT"
key_to "$ABOUT" Escape
wait_gone "$ABOUT"

key ctrl+question
SHORTCUTS=$(new_window '^Keyboard Shortcuts$')
window_ready "$SHORTCUTS"
# it lists the canvas toggles and the pages
wait_for '^SHORTCUTS' 5 || fail "no list of shortcuts"
shortcuts=$(grep '^SHORTCUTS' "$APP_LOG" | tail -1)
for t in 'Dark canvas' 'Heat map over the drawing' 'Draw' 'Train' 'Evaluate' 'Next page'; do
  [[ $shortcuts == *" $t;"* ]] || fail "the shortcuts window does not list '$t': $shortcuts"
done
screenshot "$OUT/shortcuts.png" "$SHORTCUTS"
key_to "$SHORTCUTS" Escape
wait_gone "$SHORTCUTS"

open_model "$DIGITS_SOURCE_DIR/models/mnist_cnn.keras"
wait_for '^MODEL loaded name=mnist_cnn' 10 || fail "opening a model from the status page failed"
wait_for '^LAYOUT' 5 || fail "no layout after the Draw page appeared"
read -r CX CY CS _ <<<"$(ready_field canvas)"
screenshot "$OUT/opened.png"
line=$(draw_and_predict 150 45 140 140 130 235)
[[ $(field "$line" digit) == 1 ]] || fail "expected a 1: $line"

quit_app
echo "PASS"
