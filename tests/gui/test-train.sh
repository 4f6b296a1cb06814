#!/usr/bin/env bash
# Train page: a short CNN run (the first 600 images, set as the user's Training
# images setting, and 1 epoch typed into the form) fills the
# plots and the progress bar, writes the model, lists it in the header's model
# selector and "Use This Model" selects it; the canvas keeps predicting while it
# trains. Then a second run cancelled halfway leaves no model file and the app
# keeps answering. Frame times during training are printed (FRAMES lines).
source "$(dirname "$0")/lib.sh"
[[ -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte" || -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte.gz" ]] || { echo "SKIP: no MNIST"; exit 77; }
preset_settings "train-recipe='cnn'" "train-images=${TRAIN_IMAGES:-600}"
models="$XDG_DATA_HOME/digits/models"
start_app --page train
wait_for '^TRAINPAGE' 10 || fail "no TRAINPAGE line"
page() { grep '^TRAINPAGE' "$APP_LOG" | tail -1; }
click_at() { # "x,y,w,h"
  local x y w h; IFS=, read -r x y w h <<<"$1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}
shot_crop() { # FIELD OUT.png: the widget of the TRAINPAGE line from a screenshot
  local x y w h; IFS=, read -r x y w h <<<"$(field "$(page)" "$1")"
  screenshot "$OUT/window.png"
  /usr/bin/convert "$OUT/window.png" -crop "${w}x${h}+${x}+${y}" +repage "$2"
}

# --- a full short run
type_into "$(field "$(page)" epochs)" 1
click_at "$(field "$(page)" start)"
wait_for '^TRAIN start' 5 || fail "Start did nothing"
first_start=$(grep '^TRAIN start' "$APP_LOG" | head -1)
[[ $(field "$first_start" epochs) == 1 && $(field "$first_start" limit) == "${TRAIN_IMAGES:-600}" ]] || fail "the form's epochs and images were not used: $first_start"
wait_for '^TRAIN batch' 30 || fail "no batch progress"
# the Draw page still predicts while the model trains
click_at "$(field "$(page)" switch-draw)"
wait_for '^LAYOUT\|^READY' 5 || true
settle "$WID" >/dev/null || true
read -r CX CY CS _ <<<"$(sed -n 's/^\(LAYOUT\|READY\).* canvas=\([0-9-]*\),\([0-9-]*\),\([0-9]*\),.*/\2 \3 \4/p' "$APP_LOG" | tail -1)"
if ((CS > 0)) && ! grep -q '^TRAIN done' "$APP_LOG"; then
  line=$(draw_and_predict 140 40 140 240)
  echo "prediction while training: $line"
fi
click_at "$(field "$(page)" switch-train)"
wait_for '^TRAIN done' 120 || fail "the run did not finish"
done_line=$(grep '^TRAIN done' "$APP_LOG")
echo "$done_line"
path=$(field "$done_line" path)
[[ $(field "$done_line" exists) == 1 && -f "$path" && $path == "$models/my_cnn.keras" ]] || fail "no model file: $done_line"
batches=$(count_lines '^TRAIN batch')
((batches >= 5)) || fail "only $batches batch reports"
first=$(grep '^TRAIN batch' "$APP_LOG" | head -1); last=$(grep '^TRAIN batch' "$APP_LOG" | tail -1)
echo "first: $first"; echo "last: $last"
(($(field "$last" points) > $(field "$first" points))) || fail "the plot got no points"
python3 -c "import sys; sys.exit(0 if float('$(field "$last" progress)') > float('$(field "$first" progress)') else 1)" || fail "the progress bar did not move"
wait_for '^TRAIN epoch' 1 || fail "no epoch report"
grep '^FRAMES' "$APP_LOG" | tail -1

shot_crop batch-plot "$OUT/batch-plot.png"
blue=$(count_color "$OUT/batch-plot.png" '#0072b2')
echo "batch plot blue pixels: $blue"
((blue > 150)) || fail "no loss line in the plot ($blue)"
dark=$(count_color "$OUT/batch-plot.png" '#222428')
((dark > 100)) || fail "no axis labels or title in the plot ($dark)"
cp "$OUT/window.png" "$OUT/train-page.png"

# "Use This Model": the new model is selected on the Draw page
click_at "$(field "$(page)" use)"
wait_for '^MODEL loaded name=my_cnn ' 20 || fail "the new model was not selected"
grep '^MODEL loaded name=my_cnn ' "$APP_LOG" | tail -1

# --- a second run with small batches (34 per epoch), cancelled within its first epoch
h=$(settle "$WID")
click_at "$(field "$(page)" switch-train)"
settle "$WID" "$h" >/dev/null || fail "the Train page did not come back"
type_into "$(field "$(page)" batch)" 16
before=$(count_lines '^TRAIN batch')
click_at "$(field "$(page)" start)"
wait_for_more '^TRAIN start' 1 5 || fail "second Start did nothing"
second=$(grep '^TRAIN start' "$APP_LOG" | tail -1)
out2=$(field "$second" out)
wait_for_more '^TRAIN batch' $((before + 3)) 60 || fail "the second run made no progress"
click_at "$(field "$(page)" cancel)"
wait_for '^TRAIN cancelled' 10 || fail "cancel did not stop the run within 10 s"
grep '^TRAIN cancelled' "$APP_LOG"
# Cancelled within its first epoch: no file. A loaded machine may finish the
# epoch before the click lands; then the best checkpoint stays, and it is whole.
epochs2=$(sed -n '/^TRAIN start/h; /^TRAIN epoch/H; ${x;p}' "$APP_LOG" | grep -c '^TRAIN epoch' || true)
if ((epochs2 == 0)); then
  [[ ! -e "$out2" ]] || fail "a partial model file was left: $out2"
elif [[ -e "$out2" ]]; then
  "$CLI_BIN" info "$out2" >/dev/null || fail "the checkpoint left after Cancel is not a whole model: $out2"
  echo "the first epoch ended before Cancel; its checkpoint is whole: $out2"
fi
ls "$models"
[[ -z $(find "$models" -name '*.tmp*' -o -name '.*' -type f) ]] || fail "temporary files left: $(ls -a "$models")"
# still responsive: the runs list shows both runs and the first one's plots come back
click_at "$(field "$(page)" runs)"
wait_for '^TRAINRUNS' 5 || fail "no runs popover"
runs=$(grep '^TRAINRUNS' "$APP_LOG" | tail -1); echo "$runs"
[[ -n $(field "$runs" row1) ]] || fail "the popover does not list both runs"
screenshot "$OUT/runs.png"
click_at "$(field "$runs" row1)"   # the oldest run, listed last
wait_for '^TRAIN shown run=1 ' 5 || fail "the first run's plots did not come back"
grep '^TRAIN shown' "$APP_LOG" | tail -1
# --- closing the window during a run asks first; "keep" keeps training, "stop"
# stops the run within a batch, the app exits cleanly and leaves no partial file
: "${CLI_BIN:?CLI_BIN must point at digits-cli}"
type_into "$(field "$(page)" epochs)" 20   # a long run: 20 epochs
before=$(count_lines '^TRAIN batch')
click_at "$(field "$(page)" start)"
wait_for_more '^TRAIN start' 2 5 || fail "third Start did nothing"
[[ $(field "$(grep '^TRAIN start' "$APP_LOG" | tail -1)" epochs) == 20 ]] || fail "epochs not taken from the form"
out3=$(field "$(grep '^TRAIN start' "$APP_LOG" | tail -1)" out)
wait_for_more '^TRAIN batch' $((before + 2)) 60 || fail "the third run made no progress"
win_w=$(sed -n 's/^READY.* window=\([0-9]*\),.*/\1/p' "$APP_LOG")
close_window() { xdotool mousemove --window "$WID" $((win_w - 19)) 27 click 1; }
close_window
wait_for '^DIALOG window title=Stop the Running Job?$' 5 || fail "closing during a run did not ask"
dlg=$(new_window '^Stop the Running Job\?$')
window_ready "$dlg"
screenshot "$OUT/close-dialog.png" "$dlg"
key_to "$dlg" Escape
wait_gone "$dlg"
n=$(count_lines '^TRAIN batch')
wait_for_more '^TRAIN batch' "$n" 20 || fail "keep running: the run stopped"
kill -0 "$APP" || fail "the app went away after Keep Running"
close_window
wait_for_more '^DIALOG window title=Stop the Running Job?$' 1 5 || fail "the second close did not ask"
dlg=$(new_window '^Stop the Running Job\?$')
key_to "$dlg" Tab Return
rc=0; timeout 30 tail --pid="$APP" -f /dev/null || fail "the app did not exit after Stop and Close"
wait "$APP" || rc=$?
APP=""; trap - EXIT
((rc == 0)) || fail "exit status $rc after Stop and Close"
grep -q '^EXIT rc=0' "$APP_LOG" || fail "no clean EXIT after Stop and Close"
# stopped mid-epoch: no file; past an epoch: the best checkpoint, complete
if [[ -e "$out3" ]]; then
  "$CLI_BIN" info "$out3" >/dev/null || fail "the file left after Stop and Close is not a whole model: $out3"
  echo "Stop and Close kept the best checkpoint: $out3"
fi
[[ -z $(find "$models" -name '*.tmp*' -o -name '.*' -type f) ]] || fail "temporary files left: $(ls -a "$models")"
ls -a "$models"
echo "PASS"
