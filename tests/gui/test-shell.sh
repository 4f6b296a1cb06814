#!/usr/bin/env bash
# With no model anywhere the Draw page explains how to get one (no crash); a model
# opened by its path then works; Ctrl+? shows the shortcuts, Ctrl+, the
# preferences.
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL none' 10 || fail "expected no model"
screenshot "$OUT/no-model.png"
grep -q '^PREDICTION' "$APP_LOG" && fail "a prediction without a model"

key ctrl+comma
PREFS=$(new_window '^Preferences$')
window_ready "$PREFS"
screenshot "$OUT/preferences.png" "$PREFS"
key_to "$PREFS" Escape
wait_gone "$PREFS"

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
