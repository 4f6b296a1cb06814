#!/usr/bin/env bash
# Train page, fine-tuning: a generated 0 ... 9 folder chosen with the folder
# picker is summarised (images per class and how many are held
# out to validate on, the skipped file and why), then the fine-tune recipe runs on it and
# writes the model: the plots' step axis and the progress bar go on across the
# two phases, and the summary says in words what the held-out images showed.
source "$(dirname "$0")/lib.sh"
GTK_WARNING_ALLOWED=$GTK_PATH_BAR_WARNING # it opens a file chooser
: "${FONT_DIGITS:?FONT_DIGITS must point at the font digit generator}"
data="$OUT/handwriting"
"$FONT_DIGITS" "$data" 6 7 >/dev/null || fail "font-digits failed"
echo "not an image" >"$data/3/notes.txt"
preset_settings "train-recipe='finetune'"
start_app --page train
wait_for '^TRAINPAGE' 10 || fail "no TRAINPAGE line"
page() { grep '^TRAINPAGE' "$APP_LOG" | tail -1; }
click_at() { # "x,y,w,h"
  local x y w h; IFS=, read -r x y w h <<<"$1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}
# the samples folder is the default (empty in a fresh home)
wait_for '^TRAIN folder path=.*/my_digits ' 5 || fail "the samples folder is not the default"

click_at "$(field "$(page)" folder)"
wait_for '^DIALOG window title=Choose a Data Folder$' 5 || fail "no folder dialog"
chooser_enter 'Choose a Data Folder' "$data/"
wait_for "^TRAIN folder path=$data " 10 || fail "the chosen folder was not read"
f=$(grep "^TRAIN folder path=$data " "$APP_LOG" | tail -1); echo "$f"
[[ $(field "$f" per_class) == 6,6,6,6,6,6,6,6,6,6 && $(field "$f" skipped) == 1 && $(field "$f" ok) == 1 ]] || fail "wrong summary: $f"
screenshot "$OUT/finetune-summary.png"

type_into "$(field "$(page)" epochs)" 1
click_at "$(field "$(page)" start)"
wait_for '^TRAIN start recipe=finetune epochs=1 ' 5 || fail "Start did nothing"
wait_for '^TRAIN stage' 30 || fail "no stage report"
wait_for '^TRAIN done\|^TRAIN error' 120 || fail "fine-tuning did not finish"
d=$(grep '^TRAIN done\|^TRAIN error' "$APP_LOG"); echo "$d"
[[ $d == "TRAIN done status=ok"* && $(field "$d" exists) == 1 ]] || fail "fine-tuning failed: $d"
grep '^TRAIN stage' "$APP_LOG"
(($(count_lines '^TRAIN epoch') == 4)) || fail "expected 3 head epochs and 1 fine-tuning epoch"
# one step axis and one progress bar over both phases: neither goes back
grep '^TRAIN batch' "$APP_LOG" | awk '
  { for (i = 1; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] } }
  NR > 1 && (v["step"] + 0 <= step || v["progress"] + 0 < progress) { print "went back: " $0; bad = 1 }
  { step = v["step"] + 0; progress = v["progress"] + 0 }
  END { exit bad }' || fail "the step axis or the progress bar went back between the phases"
last=$(grep '^TRAIN batch' "$APP_LOG" | tail -1); echo "last batch: $last"
[[ $(field "$last" epoch) == 4/4 ]] || fail "the last batch is not epoch 4 of 4: $last"
# the summary says what the 10 held-out images showed, and that they are few
sum=$(grep '^TRAINSUMMARY' "$APP_LOG" | tail -1); echo "$sum"
[[ $sum != *"before,"*"after"* ]] || fail "the summary still says before/after: $sum"
[[ $sum == *"10 held-out images"* ]] || fail "the summary does not say how many images it validated on: $sum"
[[ $sum == *"Too few images to validate on"* ]] || fail "no warning about the small validation split: $sum"
screenshot "$OUT/finetune-done.png"
grep '^FRAMES' "$APP_LOG"
quit_app

# a job that fails (no MNIST where the recipe looks) ends with the engine's
# message in the page, and the app keeps working: the next Start asks nothing
preset_settings "train-recipe='baseline'"
DIGITS_MNIST_DIR="$OUT/no-mnist" start_app --page train
wait_for '^TRAINPAGE' 10 || fail "no TRAINPAGE line"
click_at "$(field "$(page)" start)"
wait_for '^TRAIN error' 30 || fail "no error reported"
e=$(grep '^TRAIN error' "$APP_LOG" | tail -1); echo "$e"
[[ $e == *no-mnist* ]] || fail "the message does not name the missing data: $e"
screenshot "$OUT/error.png"
click_at "$(field "$(page)" start)"
wait_for_more '^TRAIN error' 1 30 || fail "the app did not run a second job after an error"
quit_app
echo "PASS"
