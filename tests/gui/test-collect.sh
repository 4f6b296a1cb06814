#!/usr/bin/env bash
# Collecting samples quickly: Save and Draw Next saves, clears the canvas and
# suggests the next digit next time (the button and Ctrl+N); the samples window
# shows every sample, deletes one at once, Ctrl+Z brings it back, and a deletion
# goes to the trash when the window closes.
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"
samples="$XDG_DATA_HOME/digits/my_digits"

open_dialog() { # -> sets dlg and d_line
  local dialogs; dialogs=$(count_lines '^DIALOG sample ')
  for attempt in 1 2 3; do
    key ctrl+s
    wait_for_more '^DIALOG sample ' "$dialogs" 3 && break
    ((attempt < 3)) || fail "no dialog"
  done
  d_line=$(grep '^DIALOG sample ' "$APP_LOG" | tail -1)
  dlg=$(new_window '^Save as Sample$')
  window_ready "$dlg"
}

# a 7, saved with Save and Draw Next
line=$(draw_and_predict 70 60 210 60 205 75 125 235); echo "$line"
[[ $(field "$line" digit) == 7 ]] || fail "expected a 7: $line"
open_dialog; echo "$d_line"
IFS=, read -r x y w h <<<"$(field "$d_line" next)"
saved=$(count_lines '^SAMPLE saved'); blanks=$(count_lines '^PREDICTION blank')
timeout 5 xdotool mousemove --window "$dlg" $((x + w / 2)) $((y + h / 2)) click 1
wait_for_more '^SAMPLE saved' "$saved" 5 || fail "Save and Draw Next saved nothing"
grep '^SAMPLE saved' "$APP_LOG" | tail -1 | grep -q "label=7 path=$samples/7/" || fail "not saved as a 7"
wait_for_more '^PREDICTION blank' "$blanks" 5 || fail "the canvas was not cleared"
wait_gone "$dlg"

# the next drawing is suggested as an 8 (not the 1 read); Ctrl+N saves it and moves on
line=$(draw_and_predict 150 45 140 140 130 235); echo "$line"
open_dialog; echo "$d_line"
[[ $(field "$d_line" value) == 8 ]] || fail "the digit after 7 is not suggested: $d_line"
saved=$(count_lines '^SAMPLE saved'); blanks=$(count_lines '^PREDICTION blank')
key_to "$dlg" ctrl+n
wait_for_more '^SAMPLE saved' "$saved" 5 || fail "Ctrl+N saved nothing"
grep '^SAMPLE saved' "$APP_LOG" | tail -1 | grep -q "label=8 path=$samples/8/" || fail "not saved as an 8"
wait_for_more '^PREDICTION blank' "$blanks" 5 || fail "Ctrl+N did not clear the canvas"
wait_gone "$dlg"

# a plain Save goes back to suggesting what was read
line=$(draw_and_predict 150 45 140 140 130 235); echo "$line"
open_dialog; echo "$d_line"
[[ $(field "$d_line" value) == 9 ]] || fail "the digit after 8 is not suggested: $d_line"

# Browse… opens the samples window over the main window
IFS=, read -r x y w h <<<"$(field "$d_line" browse)"
n=$(count_lines '^DIALOG samples ')
timeout 5 xdotool mousemove --window "$dlg" $((x + w / 2)) $((y + h / 2)) click 1
wait_for_more '^DIALOG samples ' "$n" 5 || fail "Browse… opened no samples window"
s_line=$(grep '^DIALOG samples ' "$APP_LOG" | tail -1); echo "$s_line"
[[ $(field "$s_line" shown) == 2 ]] || fail "expected 2 samples shown: $s_line"
win=$(new_window '^Samples$')
window_ready "$win"
screenshot "$OUT/samples.png" "$win"

# delete the first (the 7): gone at once, back with Ctrl+Z
IFS=, read -r x y w h <<<"$(field "$s_line" trash)"
timeout 5 xdotool mousemove --window "$win" $((x + w / 2)) $((y + h / 2)) click 1
wait_for '^SAMPLES deleted path=' 5 || fail "the delete button did nothing"
deleted=$(field "$(grep '^SAMPLES deleted' "$APP_LOG" | tail -1)" path)
[[ $deleted == "$samples/7/"* ]] || fail "deleted the wrong sample: $deleted"
grep '^SAMPLES shown=' "$APP_LOG" | tail -1 | grep -q 'shown=1$' || fail "the deleted sample is still shown"
[[ -e $deleted ]] || fail "deleted before the toast went: Undo could not bring it back"
screenshot "$OUT/deleted.png" "$win"
key_to "$win" ctrl+z
wait_for '^SAMPLES restored path=' 5 || fail "Ctrl+Z brought nothing back"
grep '^SAMPLES shown=' "$APP_LOG" | tail -1 | grep -q 'shown=2$' || fail "the restored sample is not shown"

# delete it again and close: it goes to the trash
timeout 5 xdotool mousemove --window "$win" $((x + w / 2)) $((y + h / 2)) click 1
wait_for_more '^SAMPLES deleted path=' 1 5 || fail "the second delete did nothing"
key_to "$win" Escape
wait_for '^SAMPLES trashed ok=1 ' 10 || fail "the sample did not go to the trash"
[[ ! -e $deleted ]] || fail "$deleted is still in the samples folder"
ls "$XDG_DATA_HOME/Trash/files/" | grep -q "$(basename "$deleted")" || fail "$deleted is not in the trash"
[[ $(find "$samples" -name '*.png' | wc -l) == 1 ]] || fail "unexpected samples: $(find "$samples")"

quit_app
echo "PASS"
