#!/usr/bin/env bash
# Evaluate page, "A folder…": a generated 0 ... 9 folder (with a file that is not
# an image) chosen with the folder picker is evaluated; the Images row then names
# the folder and the status line says which file was skipped and why.
source "$(dirname "$0")/lib.sh"
GTK_WARNING_ALLOWED=$GTK_PATH_BAR_WARNING # it opens a file chooser
: "${FONT_DIGITS:?FONT_DIGITS must point at the font digit generator}"
data="$OUT/handwriting"
"$FONT_DIGITS" "$data" 3 7 >/dev/null || fail "font-digits failed"
echo "not an image" >"$data/3/notes.txt"
start_app --page evaluate
wait_for '^MODEL loaded' 20 || fail "no model"
wait_for '^EVALPAGE' 10 || fail "no EVALPAGE line"
page() { grep '^EVALPAGE' "$APP_LOG" | tail -1; }
click_at() { # "x,y,w,h"
  local x y w h; IFS=, read -r x y w h <<<"$1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}
# Images: "A folder…"
h=$(settle "$WID")
click_at "$(field "$(page)" source)"
settle "$WID" "$h" >/dev/null || fail "the images list did not open"
xdotool key End Return
settle "$WID" >/dev/null || true
click_at "$(field "$(page)" evaluate)"
chooser_enter 'Choose a Folder to Evaluate' "$data"
wait_for "^EVAL start .*folder=$data" 10 || fail "the folder was not evaluated: $(grep '^EVAL' "$APP_LOG")"
wait_for '^EVAL done' 60 || fail "the evaluation did not finish"
status=$(grep '^EVALSTATUS' "$APP_LOG" | tail -1); echo "$status"
[[ $status == *"on handwriting · 1 file skipped: notes.txt (not a PNG or JPEG image)"* ]] \
  || fail "the status does not report the skipped file: $status"
settle "$WID" >/dev/null || true
screenshot "$OUT/folder-evaluated.png"
quit_app
echo "PASS"
