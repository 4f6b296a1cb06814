#!/usr/bin/env bash
# "Save as Sample…" writes a correct PNG into the class folder of the label, the
# prediction by default or the corrected label.
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"
samples="$XDG_DATA_HOME/digits/my_digits"

save_sample() { # [LABEL]: opens the dialog, optionally corrects the label, saves
  local before dialogs d_line sx sy sw sh lx ly lw lh dlg
  before=$(count_lines '^SAMPLE saved')
  dialogs=$(count_lines '^DIALOG sample')
  # X focus is nowhere right after the previous dialog closed: retry the shortcut
  for attempt in 1 2 3; do
    key ctrl+s
    wait_for_more '^DIALOG sample' "$dialogs" 3 && break
    ((attempt < 3)) || fail "no dialog"
  done
  d_line=$(grep '^DIALOG sample' "$APP_LOG" | tail -1)
  dlg=$(new_window '^Save as Sample$')
  window_ready "$dlg"
  if [[ $# -gt 0 ]]; then
    IFS=, read -r lx ly lw lh <<<"$(field "$d_line" label)"
    timeout 5 xdotool mousemove --window "$dlg" $((lx + lw / 4)) $((ly + lh / 2)) click --repeat 3 1
    timeout 5 xdotool key --window "$dlg" ctrl+a
    timeout 5 xdotool type --window "$dlg" "$1"
    timeout 5 xdotool key --window "$dlg" Tab
  fi
  screenshot "$OUT/dialog-$(count_lines '^SAMPLE saved').png" "$dlg"
  IFS=, read -r sx sy sw sh <<<"$(field "$d_line" save)"
  timeout 5 xdotool mousemove --window "$dlg" $((sx + sw / 2)) $((sy + sh / 2)) click 1
  wait_for_more '^SAMPLE saved' "$before" 5 || fail "nothing saved"
  grep '^SAMPLE saved' "$APP_LOG" | tail -1
}

check_png() { # PATH: a 280 x 280 grey PNG with white ink on black
  local info; info=$(/usr/bin/identify -format '%w %h %[channels] %[fx:mean]' "$1")
  echo "sample $1: $info"
  read -r w h ch mean <<<"$info"
  [[ $w == 280 && $h == 280 ]] || fail "sample is ${w}x${h}"
  [[ $ch == gray* ]] || fail "sample is not grey: $ch"
  python3 -c "import sys; m=float('$mean'); sys.exit(0 if 0.02 < m < 0.4 else 1)" || fail "sample mean $mean: no ink or no background"
}

line=$(draw_and_predict 70 60 210 60 205 75 125 235)
[[ $(field "$line" digit) == 7 ]] || fail "expected a 7: $line"
saved=$(save_sample)
path=$(field "$saved" path)
[[ $(field "$saved" label) == 7 && $path == "$samples/7/"*.png ]] || fail "saved to the wrong place: $saved"
check_png "$path"
wait_for '^TOAST Saved as' 5 || fail "no confirmation toast"

# a corrected label goes to that class's folder
saved=$(save_sample 1)
path=$(field "$saved" path)
[[ $(field "$saved" label) == 1 && $path == "$samples/1/"*.png ]] || fail "corrected label ignored: $saved"
check_png "$path"
[[ $(ls "$samples/7" | wc -l) == 1 && $(ls "$samples/1" | wc -l) == 1 ]] || fail "unexpected files: $(ls -R "$samples")"

# Save is the dialog's default: Ctrl+S then Enter saves the predicted label, and
# Enter in the digit field saves the digit typed there
open_dialog() {
  local dialogs; dialogs=$(count_lines '^DIALOG sample')
  for attempt in 1 2 3; do
    key ctrl+s
    wait_for_more '^DIALOG sample' "$dialogs" 3 && break
    ((attempt < 3)) || fail "no dialog"
  done
  dlg=$(new_window '^Save as Sample$')
  window_ready "$dlg"
}
before=$(count_lines '^SAMPLE saved')
open_dialog
key_to "$dlg" Return
wait_for_more '^SAMPLE saved' "$before" 5 || fail "Enter did not save"
saved=$(grep '^SAMPLE saved' "$APP_LOG" | tail -1); echo "$saved"
[[ $(field "$saved" label) == 7 && $(field "$saved" path) == "$samples/7/"*.png ]] || fail "Enter saved the wrong label: $saved"
before=$(count_lines '^SAMPLE saved')
open_dialog
key_to "$dlg" ctrl+a 3 Return
wait_for_more '^SAMPLE saved' "$before" 5 || fail "Enter in the digit field did not save"
saved=$(grep '^SAMPLE saved' "$APP_LOG" | tail -1); echo "$saved"
[[ $(field "$saved" label) == 3 && $(field "$saved" path) == "$samples/3/"*.png ]] || fail "the typed digit was not saved: $saved"
[[ $(ls "$samples/7" | wc -l) == 2 && $(ls "$samples/3" | wc -l) == 1 ]] || fail "unexpected files: $(ls -R "$samples")"

quit_app
echo "PASS"
