#!/usr/bin/env bash
# Pictures on the Draw page: a PNG opened by path (app.open-image, as the menu's
# chooser ends in draw.open-image), a large JPEG, a picture dropped on the canvas
# from another program (real drag and drop), a pasted picture (Ctrl+V), a file
# that is no picture, toasts that replace each other, and Undo taking an opened
# picture back in one step.
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"


# a "7" in black ink on white paper, 300 x 400, and a 2400 x 3200 JPEG of it
convert -size 300x400 xc:white -stroke black -strokewidth 28 -fill none \
  -draw "polyline 50,70 250,70 120,360" "$OUT/seven.png"
convert "$OUT/seven.png" -resize 800% -quality 90 "$OUT/seven-large.jpg"
printf 'not a picture\n' >"$OUT/notes.txt"

# a drawn 1 first: opening the picture is one step, and Undo brings the 1 back
line=$(draw_and_predict 150 45 140 140 130 235)
echo "drew: $line"

before=$(count_lines '^PREDICTION digit=')
open_image "$OUT/seven.png"
wait_for '^IMAGE ok=1' 10 || fail "the PNG did not open"
wait_for_more '^PREDICTION digit=' "$before" 5 || fail "no prediction of the PNG"
p=$(last_prediction); echo "png: $p"
[[ $(field "$p" digit) == 7 && $(field "$p" image) == 1 && $(field "$p" strokes) == 1 ]] \
  || fail "the PNG did not become one raster layer read as 7: $p"
map=$(map_after_prediction) && [[ $(field "$map" sum) != "0.0" ]] || fail "no map: $p (map: $map)"
wait_for '^TOAST Opened “seven.png”' 5 || fail "no toast for the opened picture"
screenshot "$OUT/opened-png.png"
crop "$OUT/opened-png.png" "$(ready_field canvas)" "$OUT/opened-canvas.png"
ink=$(count_color "$OUT/opened-canvas.png" white)
echo "ink pixels of the picture on the canvas: $ink"
((ink > 1000)) || fail "the picture is not on the canvas ($ink ink pixels)"

before=$(count_lines '^PREDICTION digit=1')
key ctrl+z
wait_for_more '^PREDICTION digit=1' "$before" 5 || fail "Undo did not bring the drawn 1 back"
p=$(last_prediction); echo "after undo: $p"
[[ $(field "$p" image) == 0 && $(field "$p" strokes) == 1 ]] || fail "Undo left the picture: $p"
before=$(count_lines '^PREDICTION digit=7')
key ctrl+shift+z
wait_for_more '^PREDICTION digit=7' "$before" 5 || fail "Redo did not bring the picture back"

# a large JPEG reads off the GUI thread and reads as the same digit
n=$(count_lines '^IMAGE ok=1')
open_image "$OUT/seven-large.jpg"
wait_for_more '^IMAGE ok=1' "$n" 20 || fail "the JPEG did not open"
p=$(last_prediction); echo "jpeg: $p"
[[ $(field "$p" digit) == 7 && $(field "$p" image) == 1 ]] || fail "the JPEG was not read as 7: $p"

# a file that is no picture: a toast naming it, and the picture stays
open_image "$OUT/notes.txt"
wait_for '^TOAST Could not open “notes.txt”' 10 || fail "no toast naming the file"
grep -q '^IMAGE ok=0 .* image=1 name=notes.txt' "$APP_LOG" || fail "the failed open changed the canvas"

# four failed opens, then a good one: one toast at a time, the news at once
for i in 1 2 3 4; do
  cp "$OUT/notes.txt" "$OUT/bad-$i.txt"
  n=$(count_lines "^TOASTS .*bad-$i\.txt")
  open_image "$OUT/bad-$i.txt"
  # this file's own toast: the previous one's may still be announced
  wait_for_more "^TOASTS .*bad-$i\.txt" "$n" 10 || fail "no toast for bad-$i.txt"
done
t=$(grep '^TOASTS ' "$APP_LOG" | tail -1); echo "$t"
[[ $(field "$t" shown) == 1 && $t == *"bad-4.txt"* ]] || fail "failed opens pile up: $t"
n=$(count_lines '^TOASTS ')
open_image "$OUT/seven.png"
wait_for_more '^TOASTS ' "$n" 10 || fail "no toast for the good open"
t=$(grep '^TOASTS ' "$APP_LOG" | tail -1); echo "$t"
[[ $(field "$t" shown) == 1 && $t == *"Opened “seven.png”"* ]] || fail "the good news waits behind old toasts: $t"
screenshot "$OUT/toasts.png"
# the toast does not cover Save as Sample
IFS=, read -r tx ty tw th <<<"$(field "$t" at)"
read -r sx sy sw sh <<<"$(ready_field save)"
((tx + tw <= sx || sx + sw <= tx || ty + th <= sy || sy + sh <= ty)) \
  || fail "the toast ($tx,$ty ${tw}x$th) covers Save as Sample ($sx,$sy ${sw}x$sh)"

# a picture dragged from another program (as from a file manager) onto the canvas
key Delete
"$DRAG_SOURCE" "$OUT/seven.png" >"$OUT/drag.log" 2>&1 &
src_pid=$!
SRC=$(timeout "$(scaled 10)" xdotool search --sync --onlyvisible --name '^Drag Source$' | head -1)
[[ -n "$SRC" ]] || fail "the drag source did not open"
read -r ww wh < <(xdotool getdisplaygeometry)
xdotool windowmove --sync "$SRC" $((ww - 200)) $((wh - 160))
eval "$(xdotool getwindowgeometry --shell "$SRC")"
sx=$((X + 80)) sy=$((Y + 60))
n=$(count_lines '^IMAGE ok=1')
cmd=(mousemove "$sx" "$sy" mousedown 1)
for i in $(seq 1 20); do  # past GTK's drag threshold, then across to the canvas centre
  cmd+=(sleep 0.03 mousemove $((sx + (CX + CS / 2 - sx) * i / 20)) $((sy + (CY + CS / 2 - sy) * i / 20)))
done
xdotool "${cmd[@]}" sleep 0.3 mousemove $((CX + CS / 2 + 3)) $((CY + CS / 2)) sleep 0.3 mouseup 1
wait_for_more '^IMAGE ok=1' "$n" 10 || { cat "$OUT/drag.log"; fail "the dropped picture did not open"; }
grep '^IMAGE ok=1' "$APP_LOG" | tail -1
grep -q '^DRAG begin' "$OUT/drag.log" || fail "no drag began"
wait_for '^PREDICTION digit=7 .* image=1' 5 || fail "the dropped 7 was not read"
kill "$src_pid" 2>/dev/null || true

# a picture pasted from the clipboard (as an image/png, as a browser copies one)
key Delete
convert -size 200x200 xc:black -stroke white -strokewidth 22 -fill none \
  -draw "line 100,30 100,170" "$OUT/one.png"
xclip -selection clipboard -t image/png -i "$OUT/one.png" &
clip=$!
n=$(count_lines '^IMAGE ok=1')
for attempt in 1 2 3 4 5; do  # xclip takes the selection asynchronously
  key ctrl+v
  wait_for_more '^IMAGE ok=1' "$n" 2 && break
done
(($(count_lines '^IMAGE ok=1') > n)) || fail "Ctrl+V did not paste the picture"
grep '^IMAGE ok=1' "$APP_LOG" | tail -1
wait_for '^PREDICTION digit=1 .* image=1' 5 || fail "the pasted 1 was not read"
kill "$clip" 2>/dev/null || true
wait "$clip" 2>/dev/null || true  # gone, so that it cannot answer for the clipboard below
screenshot "$OUT/pasted.png"

# Ctrl+C copies the drawing as a 280 x 280 picture, white ink on black. On a busy
# machine the app may take the clipboard late: ask until it answers.
key ctrl+c
end=$((SECONDS + $(scaled 5)))
until timeout 5 xclip -selection clipboard -t image/png -o >"$OUT/copied.png" 2>/dev/null \
  && [[ $(identify -format '%wx%h' "$OUT/copied.png" 2>/dev/null) == 280x280 ]]; do
  ((SECONDS < end)) || fail "Ctrl+C copied no 280 x 280 picture"
  sleep 0.2
done
ink=$(count_color "$OUT/copied.png" white)
echo "copied picture: $ink ink pixels"
((ink > 500)) || fail "the copied picture has no ink ($ink)"

# Delete right after a picture is read, while its map is still being made in the
# background: the late map must not land on the empty canvas (it did, with a
# critical warning, which G_DEBUG=fatal-warnings turns into a crash)
for attempt in 1 2 3; do
  n=$(count_lines '^PREDICTION digit=7 .* image=1')
  open_image "$OUT/seven.png"
  wait_for_more '^PREDICTION digit=7 .* image=1' "$n" 10 || fail "the picture was not read again"
  n=$(count_lines '^PREDICTION blank')
  key Delete
  wait_for_more '^PREDICTION blank' "$n" 5 || fail "Delete did not clear the picture"
done
sleep "$(scaled 1)"
after=$(awk '/^PREDICTION blank/{late=""} /^EXPLAIN /{late=$0} END{print late}' "$APP_LOG")
[[ -z $after ]] || fail "a map landed after the canvas was cleared: $after"
quit_app
echo PASS
