#!/usr/bin/env bash
# Teaching by correcting: three drawings corrected (two with the keys 0 … 9 on the
# Draw page, one in "It's a…") are saved as samples, a personal model is fine-tuned in
# the background and becomes the model in use, with a toast whose Undo goes back;
# Reset Personal Model deletes it and goes back to the model it was based on.
# Without MNIST the fine-tune uses the samples alone (the toast says so).
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"
base=$(grep '^MODEL loaded' "$APP_LOG" | tail -1); base_path=$(field "$base" path)
samples="$XDG_DATA_HOME/digits/my_digits"
personal="$XDG_DATA_HOME/digits/models/personal.keras"
[[ ! -e $personal ]] || fail "a personal model before any correction"

correct_by_key() { # DIGIT: typed while the Draw page shows the drawing
  local before; before=$(count_lines '^TEACH corrected')
  key "$1"
  wait_for_more '^TEACH corrected' "$before" 5 || fail "typing $1 on the canvas corrected nothing"
  grep '^TEACH corrected' "$APP_LOG" | tail -1
}

# 1: a 7, said to be a 1
line=$(draw_and_predict 70 60 210 60 205 75 125 235); echo "$line"
c=$(correct_by_key 1); echo "$c"
[[ $(field "$c" label) == 1 && $(field "$c" path) == "$samples/1/"*.png ]] || fail "wrong sample: $c"
wait_for '^TEACH busy=1 ' 5 || fail "the correction started no fine-tune"

# 2: a 0, said to be a 6 (while the first fine-tune may still run)
key Delete
line=$(draw_and_predict $(ellipse 140 140 62 95 40)); echo "$line"
c=$(correct_by_key 6); echo "$c"
[[ $(field "$c" path) == "$samples/6/"*.png ]] || fail "wrong sample: $c"

# 3: a 1, said to be a 4 in the popover
key Delete
line=$(draw_and_predict 150 45 140 140 130 235); echo "$line"
n=$(count_lines '^TEACHPOPOVER')
click teach
wait_for_more '^TEACHPOPOVER' "$n" 5 || fail "It's a… shows no digits"
pop=$(grep '^TEACHPOPOVER' "$APP_LOG" | tail -1); echo "$pop"
screenshot "$OUT/popover.png" root
IFS=, read -r x y w h <<<"$(field "$pop" d4)"
before=$(count_lines '^TEACH corrected')
xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
wait_for_more '^TEACH corrected' "$before" 5 || fail "the 4 in It's a… corrected nothing"
c=$(grep '^TEACH corrected' "$APP_LOG" | tail -1); echo "$c"
[[ $(field "$c" label) == 4 && $(field "$c" path) == "$samples/4/"*.png ]] || fail "wrong sample: $c"
[[ $(find "$samples" -name '*.png' | wc -l) == 3 ]] || fail "expected 3 samples: $(find "$samples")"

# the run that learnt all three makes the personal model the one in use
wait_for '^TEACH tuned samples=3 ' 60 || fail "no personal model from the three samples"
grep '^TEACH tuned' "$APP_LOG"
# (polled: a line written between a count and a wait for more would be missed)
end=$((SECONDS + $(scaled 30)))
until [[ $(grep -c '^TEACH active' "$APP_LOG") -ge $(grep -c '^TEACH tuned' "$APP_LOG") ]]; do
  ((SECONDS < end)) || fail "the personal model did not become active"
  sleep 0.05
done
grep '^TEACH active' "$APP_LOG"
active=$(grep '^TEACH active' "$APP_LOG" | tail -1)
[[ $(field "$active" path) == "$personal" ]] || fail "not the personal model: $active"
[[ $active == *"title=Personal (based on "* ]] || fail "not listed as Personal (based on …): $active"
[[ -s $personal ]] || fail "no $personal"
ls "$(dirname "$personal")" | grep -v '^personal.keras$' && fail "a temporary file was left beside it"
m=$(grep '^MODEL loaded' "$APP_LOG" | tail -1)
[[ $(field "$m" path) == "$personal" ]] || fail "the model in use is not the personal one: $m"
if [[ -n ${DIGITS_MNIST_DIR:-} && -d ${DIGITS_MNIST_DIR:-} ]]; then
  wait_for '^TOAST Now reading with your personal model button=_Undo action=app.open-model' 5 \
    || fail "no toast with Undo"
  grep -q 'replay=0 ' <<<"$(grep '^TEACH tuned' "$APP_LOG" | tail -1)" && fail "MNIST was not replayed"
else
  echo "MNIST absent: the samples alone were used"
  wait_for '^TOAST Now reading with your personal model, taught on your samples alone' 5 \
    || fail "no note that MNIST was missing"
fi
# the toast's Undo goes back to the model before (clicked while the toast shows)
toast_after() { awk '/^TOAST Now reading/ { t = "" } /^TOASTS .*titles=Now reading/ { t = $0 } END { print t }' "$APP_LOG"; }
end=$((SECONDS + $(scaled 5)))
until [[ -n $(toast_after) ]]; do ((SECONDS < end)) || fail "the toast did not show"; sleep 0.05; done
toasts=$(toast_after); echo "$toasts"
IFS=, read -r x y w h <<<"$(field "$toasts" button)"
((w > 0)) || fail "the toast has no Undo button: $toasts"
loads=$(count_lines '^MODEL loaded')
xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
wait_for_more '^MODEL loaded' "$loads" 10 || fail "Undo brought no model back"
m=$(grep '^MODEL loaded' "$APP_LOG" | tail -1)
[[ $(field "$m" path) == "$base_path" ]] || fail "Undo did not go back to $base_path: $m"

# the drawing on the canvas is read again by the personal model
wait_for "^PREDICTION digit=.* model=personal " 5 || fail "no prediction by the personal model"
grep "^PREDICTION digit=.* model=personal " "$APP_LOG" | tail -1

# one more correction makes it the model in use again, learning from four samples
n=$(count_lines '^TEACH active')
key Delete
draw_and_predict 70 60 210 60 205 75 125 235 >/dev/null
correct_by_key 9 >/dev/null
wait_for_more '^TEACH active' "$n" 30 || fail "the fourth correction did not make it active again"
grep '^TEACH tuned' "$APP_LOG" | tail -1 | grep -q 'samples=4 ' || fail "not tuned on four samples"
wait_for "^PREDICTION digit=.* model=personal " 5 || fail "no prediction by the personal model"
screenshot "$OUT/personal.png"

# Reset Personal Model: the file goes, the model it was based on comes back
n=$(count_lines '^TEACHPOPOVER')
click teach
wait_for_more '^TEACHPOPOVER' "$n" 5 || fail "It's a… did not open"
pop=$(grep '^TEACHPOPOVER' "$APP_LOG" | tail -1); echo "$pop"
[[ $(field "$pop" sensitive) == 1 ]] || fail "Reset is not offered: $pop"
IFS=, read -r x y w h <<<"$(field "$pop" reset)"
loads=$(count_lines '^MODEL loaded')
xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
wait_for '^TOAST The personal model is gone' 5 || fail "no toast after Reset"
wait_for_more '^MODEL loaded' "$loads" 10 || fail "no model after Reset"
m=$(grep '^MODEL loaded' "$APP_LOG" | tail -1)
[[ $(field "$m" path) == "$base_path" ]] || fail "Reset did not go back to $base_path: $m"
[[ ! -e $personal ]] || fail "$personal is still there"
[[ $(find "$samples" -name '*.png' | wc -l) == 4 ]] || fail "Reset touched the samples"

# closing while a fine-tune runs asks nothing: it is stopped
key Delete
draw_and_predict 70 60 210 60 205 75 125 235 >/dev/null
correct_by_key 2 >/dev/null
quit_app
grep -q '^DIALOG window title=Stop the Running Job' "$APP_LOG" && fail "closing asked about the fine-tune"
echo "PASS"
