#!/usr/bin/env bash
# The history of drawings, the clipboard and export: cleared drawings are listed
# with their digit, the newest first; choosing one opens it on the canvas in one
# step of history; Ctrl+C puts the digit as text and the drawing as a picture on
# the clipboard; Export writes the drawing, its reading and heat map as a PNG.
source "$(dirname "$0")/lib.sh"
GTK_WARNING_ALLOWED=$GTK_PATH_BAR_WARNING # it opens a file chooser
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"

line=$(draw_and_predict 70 60 210 60 205 75 125 235); echo "$line"
[[ $(field "$line" digit) == 7 ]] || fail "expected a 7: $line"
key Delete
wait_for '^HISTORY n=1 digits=7$' 5 || fail "the cleared 7 is not in the history"
line=$(draw_and_predict 150 45 140 140 130 235); echo "$line"
[[ $(field "$line" digit) == 1 ]] || fail "expected a 1: $line"
key Delete
wait_for '^HISTORY n=2 digits=1,7$' 5 || fail "the cleared 1 is not first in the history"

# choosing the 7 opens it on the canvas as a picture, read as a 7 again
n=$(count_lines '^HISTORYPOPOVER')
click history
wait_for_more '^HISTORYPOPOVER' "$n" 5 || fail "the history shows no list"
pop=$(grep '^HISTORYPOPOVER' "$APP_LOG" | tail -1); echo "$pop"
screenshot "$OUT/history.png" root
IFS=, read -r x y w h <<<"$(field "$pop" row1)"
[[ -n $x ]] || fail "no second row: $pop"
xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
wait_for '^HISTORY reopened position=1 digit=7' 5 || fail "choosing the 7 did nothing"
wait_for '^PREDICTION digit=7 .* image=1' 5 || fail "the reopened 7 is not read as a 7"
# one step of history: Undo takes it away (the canvas was empty), Redo brings it back
blanks=$(count_lines '^PREDICTION blank')
key ctrl+z
wait_for_more '^PREDICTION blank' "$blanks" 5 || fail "Undo did not take the reopened drawing away"
n7=$(count_lines '^PREDICTION digit=7 ')
key ctrl+shift+z
wait_for_more '^PREDICTION digit=7 ' "$n7" 5 || fail "Redo did not bring it back"

# Ctrl+C: text editors get "7", image programs the 280 x 280 drawing
key ctrl+c
text=""
for attempt in 1 2 3 4 5; do
  text=$(timeout 5 xclip -selection clipboard -t UTF8_STRING -o 2>/dev/null || true)
  [[ -n $text ]] && break
  sleep 0.2
done
echo "clipboard text: '$text'"
[[ $text == 7 ]] || fail "Ctrl+C copied '$text' as text, not 7"
targets=$(timeout 5 xclip -selection clipboard -t TARGETS -o 2>/dev/null || true)
echo "clipboard targets: $(tr '\n' ' ' <<<"$targets")"
grep -qx 'text/plain;charset=utf-8' <<<"$targets" || fail "no text/plain on the clipboard"
timeout 5 xclip -selection clipboard -t image/png -o >"$OUT/copied.png" 2>/dev/null || true
[[ $(identify -format '%wx%h' "$OUT/copied.png" 2>/dev/null) == 280x280 ]] || fail "no 280 x 280 picture on the clipboard"

# Export: the chooser, then the PNG written whole, off the GUI thread
mkdir -p "$OUT/export"
rm -f "$OUT/export/"*
map_after_prediction >/dev/null || fail "no heat map for the reopened 7" # computed in the background
key ctrl+e
chooser_enter 'Export Reading' "$OUT/export/seven.png"
wait_for '^TOAST Exported “seven.png”' 10 || fail "no toast for the export"
[[ $(identify -format '%wx%h' "$OUT/export/seven.png") == 640x320 ]] || fail "the export is not 640 x 320"
[[ $(ls "$OUT/export") == seven.png ]] || fail "left beside it: $(ls "$OUT/export")"
# the drawing (grey on black) and the heat map's colours are in it
colours=$(convert "$OUT/export/seven.png" -crop 280x280+20+20 +repage -format '%k' info:)
echo "export: $colours colours in the drawing's square"
((colours > 50)) || fail "no heat map over the drawing ($colours colours)"
ink=$(count_color "$OUT/export/seven.png" '#3585e3')
echo "export: $ink pixels of the chosen digit's bar"
((ink > 100)) || fail "no probability bar for the digit read"

quit_app
echo "PASS"
