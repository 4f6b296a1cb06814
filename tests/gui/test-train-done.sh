#!/usr/bin/env bash
# Training tells you it finished: the Train tab shows the progress ("Train 40%")
# while the run goes on, the form cannot be changed during a run, and a run that
# ends while the Draw page shows leaves a toast with "Use This Model" and a mark on
# the Train tab (gone once the page is seen). The model name field shows the name
# written (my_cnn-2 for the second run). A run that ends while another window has
# the focus sends a desktop notification. The Quick recipe (digits-cli train
# quick) fills in its own epochs and name. Percentages are written
# "35.00%", as English writes them.
source "$(dirname "$0")/lib.sh"
[[ -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte" || -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte.gz" ]] || { echo "SKIP: no MNIST"; exit 77; }
: "${FAKE_NOTIFICATIONS:?}"
# a notification daemon on this test's session bus, printing what it receives
"$FAKE_NOTIFICATIONS" >"$OUT/notifications.log" &
NOTIFIER=$!
wait_for '^READY' 10 "$OUT/notifications.log" || fail "the notification daemon did not start"
preset_settings "train-recipe='cnn'" "train-images=600"
start_app --page train
wait_for '^TRAINPAGE' 10 || fail "no TRAINPAGE line"
page() { grep '^TRAINPAGE' "$APP_LOG" | tail -1; }
click_at() { # "x,y,w,h"
  local x y w h; IFS=, read -r x y w h <<<"$1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}

# --- a run that ends while the Draw page shows
type_into "$(field "$(page)" epochs)" 1
click_at "$(field "$(page)" start)"
wait_for '^TRAIN start' 5 || fail "Start did nothing"
start=$(grep '^TRAIN start' "$APP_LOG" | tail -1); echo "$start"
[[ $(field "$start" form) == 0 ]] || fail "the form stays editable during the run"
[[ $(field "$start" name) == my_cnn ]] || fail "the name field does not show the name written: $start"
wait_for '^TAB train attention=0 title=Train [0-9]*%$' 60 || fail "the Train tab shows no progress"
grep '^TAB train' "$APP_LOG" | tail -1
switch_draw=$(field "$(page)" switch-draw); switch_train=$(field "$(page)" switch-train)
click_at "$switch_draw"
wait_for '^TRAIN done status=ok' 120 || fail "the run did not finish"
wait_for '^TOAST Training finished: my_cnn.keras button=Use This Model action=app.use-model$' 5 \
  || fail "no toast with Use This Model: $(grep '^TOAST' "$APP_LOG")"
wait_for '^TAB train attention=1 title=Train$' 5 || fail "the Train tab is not marked: $(grep '^TAB' "$APP_LOG" | tail -2)"
screenshot "$OUT/finished-toast.png"
# English writes the percent sign without a space ("35.00%"), so it never wraps alone
sum=$(grep '^TRAINSUMMARY' "$APP_LOG" | tail -1); echo "$sum"
[[ $sum =~ "Best validation accuracy "[0-9]+\.[0-9][0-9]"% (epoch 1) · test accuracy "[0-9]+\.[0-9][0-9]"% · " ]] \
  || fail "the summary's percentages are not written as English writes them: $sum"
click_at "$switch_train"
wait_for_more '^TAB train attention=0 title=Train$' 0 5 || fail "the mark stayed on the Train tab after it was seen"
wait_for_more '^TRAINPAGE' 0 5 || true
[[ $(field "$(grep '^TRAIN start' "$APP_LOG" | tail -1)" out) == */my_cnn.keras ]] || fail "first model not my_cnn.keras"

# --- a second run, ending while another window (the shortcuts window) has the focus
toasts=$(count_lines '^TOAST Training finished')
settle "$WID" >/dev/null || true
click_at "$(field "$(page)" start)"
wait_for_more '^TRAIN start' 1 5 || fail "the second Start did nothing"
start=$(grep '^TRAIN start' "$APP_LOG" | tail -1); echo "$start"
[[ $(field "$start" name) == my_cnn-2 && $(field "$start" out) == */my_cnn-2.keras ]] \
  || fail "the second run's name is not shown as written: $start"
key ctrl+question
dlg=$(new_window '^Keyboard Shortcuts$')
window_ready "$dlg"
wait_for_more '^TRAIN done status=ok' 1 120 || fail "the second run did not finish"
wait_for '^NOTIFY Training finished$' 5 || fail "the window did not see that another window had the focus"
wait_for '^NOTIFY summary=Training finished body=my_cnn-2.keras actions=.*Use This Model' 10 "$OUT/notifications.log" \
  || fail "no desktop notification: $(cat "$OUT/notifications.log")"
grep '^NOTIFY' "$OUT/notifications.log"
(($(count_lines '^TOAST Training finished') == toasts)) || fail "a toast for a run the user watched"
key_to "$dlg" Escape
wait_gone "$dlg"

# --- Quick: its own recipe, epochs and name (not the 1 epoch typed above)
h=$(settle "$WID")
click_at "$(field "$(page)" recipe)"
settle "$WID" "$h" >/dev/null || fail "the recipe list did not open"
xdotool key End Return
settle "$WID" >/dev/null || true
screenshot "$OUT/quick.png"
click_at "$(field "$(page)" start)"
wait_for_more '^TRAIN start' 2 5 || fail "Start with Quick did nothing"
start=$(grep '^TRAIN start' "$APP_LOG" | tail -1); echo "$start"
[[ $(field "$start" recipe) == quick && $(field "$start" epochs) -gt 1 \
   && $(field "$start" name) == my_quick ]] || fail "Quick did not fill in its recipe and epochs: $start"
click_at "$(field "$(page)" cancel)"
wait_for '^TRAIN cancelled' 20 || fail "the Quick run did not stop"
quit_app
kill "$NOTIFIER" 2>/dev/null || true
(($(grep -c '^NOTIFY' "$OUT/notifications.log") == 1)) || fail "notifications for runs the user watched"
echo "PASS"
