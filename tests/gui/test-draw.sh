#!/usr/bin/env bash
# Drawing a 1, a 7 and a 0 with real pointer drags makes the app predict them;
# undo and clear work; Grad-CAM is computed for the CNN.
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"
grep -q '^PREDICTION blank' "$APP_LOG" || fail "blank canvas did not show the prompt"

check_digit() { # EXPECTED LINE
  local d c; d=$(field "$2" digit); c=$(field "$2" confidence)
  echo "drew $1: predicted $d ($c)"
  [[ "$d" == "$1" ]] || fail "drew $1, predicted $d"
}

# "1": a slightly slanted vertical bar
line=$(draw_and_predict 150 45 140 140 130 235)
check_digit 1 "$line"
screenshot "$OUT/one.png"
key Delete
wait_for_more '^PREDICTION blank' 1 5 || fail "Delete did not clear"

# "7": a bar and a diagonal
line=$(draw_and_predict 70 60 210 60 205 75 125 235)
check_digit 7 "$line"
map=$(map_after_prediction) || fail "no map for the 7"
[[ $(field "$map" method) == ig && $(field "$map" sum) != "0.0" ]] \
  || fail "the default map is integrated gradients, with some mass: $map"
screenshot "$OUT/seven.png"

# undo brings back the blank prompt, redo the 7
before=$(count_lines '^PREDICTION blank')
click undo
wait_for_more '^PREDICTION blank' "$before" 5 || fail "undo did not empty the canvas"
before=$(count_lines '^PREDICTION digit=7')
key ctrl+shift+z
wait_for_more '^PREDICTION digit=7' "$before" 5 || fail "redo did not bring the 7 back"
seven=$(last_prediction)

before=$(count_lines '^PREDICTION blank')
click clear
wait_for_more '^PREDICTION blank' "$before" 5 || fail "clear did not empty the canvas"
# Clear is one step: Ctrl+Z brings the whole drawing back, Ctrl+Shift+Z clears again
n=$(count_lines '^PREDICTION digit=7')
key ctrl+z
wait_for_more '^PREDICTION digit=7' "$n" 5 || fail "undo after clear did not bring the 7 back"
line=$(last_prediction)
[[ $(field "$line" strokes) == $(field "$seven" strokes) && $(field "$line" points) == $(field "$seven" points) ]] \
  || fail "undo after clear did not restore the drawing: $line, was $seven"
n=$(count_lines '^PREDICTION blank')
key ctrl+shift+z
wait_for_more '^PREDICTION blank' "$n" 5 || fail "redo did not clear again"

# "0": an oval
# shellcheck disable=SC2046
line=$(draw_and_predict $(ellipse 140 140 62 95 40))
check_digit 0 "$line"
screenshot "$OUT/zero.png"

# two strokes make a 4? undo per stroke: draw a 7 in two strokes, undo one
n=$(count_lines '^PREDICTION blank')
key ctrl+l
wait_for_more '^PREDICTION blank' "$n" 5 || fail "ctrl+l did not clear"
draw_and_predict 70 60 210 60 >/dev/null
line=$(draw_and_predict 205 65 125 235)
[[ $(field "$line" strokes) == 2 ]] || fail "expected 2 strokes: $line"
before=$(count_lines '^PREDICTION')
key ctrl+z
wait_for_more '^PREDICTION' "$before" 5 || fail "ctrl+z did nothing"
[[ $(field "$(last_prediction)" strokes) == 1 ]] || fail "undo did not remove one stroke: $(last_prediction)"

# Alt+2, Alt+3, Ctrl+Page Up/Down switch pages; the canvas shortcuts act only on
# the Draw page: Delete, Ctrl+L and Ctrl+Z on another page leave the drawing alone
blanks=$(count_lines '^PREDICTION blank')
n=$(count_lines '^TRAINPAGE')
key alt+2
wait_for_more '^TRAINPAGE' "$n" 10 || fail "Alt+2 did not show the Train page"
key Delete
key ctrl+l
key ctrl+z
n=$(count_lines '^EVALPAGE')
key alt+3
wait_for_more '^EVALPAGE' "$n" 10 || fail "Alt+3 did not show the Evaluate page"
key Delete
n=$(count_lines '^TRAINPAGE')
key ctrl+Prior
wait_for_more '^TRAINPAGE' "$n" 10 || fail "Ctrl+Page Up did not go back to the Train page"
n=$(count_lines '^LAYOUT')
key ctrl+Prior
wait_for_more '^LAYOUT' "$n" 10 || fail "Ctrl+Page Up did not go back to the Draw page"
before=$(count_lines '^PREDICTION')
key ctrl+Return
wait_for_more '^PREDICTION' "$before" 5 || fail "no prediction back on the Draw page"
[[ $(field "$(last_prediction)" strokes) == 1 && $(count_lines '^PREDICTION blank') == "$blanks" ]] \
  || fail "a canvas shortcut acted on a hidden Draw page: $(last_prediction)"
n=$(count_lines '^TRAINPAGE')
key ctrl+Next
wait_for_more '^TRAINPAGE' "$n" 10 || fail "Ctrl+Page Down did not show the Train page"
n=$(count_lines '^LAYOUT')
key alt+1
wait_for_more '^LAYOUT' "$n" 10 || fail "Alt+1 did not go back to the Draw page"

# the model info popover lists the layers. Last: on a loaded machine the first click
# after a popover closed has been lost, even once its window was unmapped.
windows=$(app_windows)
h=$(settle root)
click info
settle root "$h" >/dev/null || fail "the model info popover did not open"
screenshot "$OUT/model-info.png" root
h=$(settle root)
key Escape
settle root "$h" >/dev/null || fail "the model info popover did not close"
wait_popovers_closed "$windows"

quit_app
echo "PASS"
