#!/usr/bin/env bash
# A user's own models can be renamed and deleted from the app, and names that
# would be paths or hidden files are refused with the reason:
#  - F2 (Rename Model…) with "../evil/na me" keeps the dialog open and the file as it
#    was; a good name renames the file, and the app goes on with it under that name;
#  - Delete Model (from the main menu) moves the file to the trash, with a toast
#    whose Undo puts it back and opens it again;
#  - the Train page's model name field refuses "../../../evil/na me" and ".hidden"
#    with a message and an insensitive Start, and takes a plain name.
source "$(dirname "$0")/lib.sh"
models="$XDG_DATA_HOME/digits/models"
mkdir -p "$models"
cp "$(readlink -f "$TEST_MODELS/cnn/mnist_cnn.keras")" "$models/my_cnn.keras"
export DIGITS_MODELS_PATH="$models"
line() { grep "^$1" "$APP_LOG" | tail -1; }
click_at() { # "x,y,w,h[:...]"
  local x y w h; IFS=, read -r x y w h <<<"${1%%:*}"
  ((w > 0)) || fail "nothing to click at $1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}

start_app
wait_for '^MODEL loaded name=my_cnn ' 20 || fail "my_cnn did not load"

# --- rename: a refused name, then a good one
key F2
dlg=$(new_window '^Rename Model$')
window_ready "$dlg"
key_to "$dlg" ctrl+a
xdotool type --window "$dlg" --delay 5 '../evil/na me'
key_to "$dlg" Return
settle "$dlg" >/dev/null || true
screenshot "$OUT/rename-refused.png" "$dlg"
window_gone "$dlg" && fail "the dialog took the name ../evil/na me"
[[ -f $models/my_cnn.keras && ! -e $XDG_DATA_HOME/digits/evil ]] || fail "a refused name moved the file"
key_to "$dlg" ctrl+a
xdotool type --window "$dlg" --delay 5 'renamed_cnn'
settle "$dlg" >/dev/null || true
key_to "$dlg" Return
wait_gone "$dlg"
wait_for '^MODEL loaded name=renamed_cnn ' 20 || fail "the renamed model was not opened: $(grep '^MODEL\|^TOAST' "$APP_LOG")"
wait_for '^TOAST Renamed to “renamed_cnn”' 5 || fail "no toast after renaming"
[[ -f $models/renamed_cnn.keras && ! -e $models/my_cnn.keras ]] || fail "the file was not renamed: $(ls "$models")"

# --- delete from the main menu, and Undo
n=$(count_lines '^MENU')
click menu
wait_for_more '^MENU' "$n" 5 || fail "the main menu did not open"
menu=$(line MENU); echo "$menu"
[[ $(field "$menu" Delete_Model) == *:1 ]] || fail "Delete Model is not offered for the user's model: $menu"
click_at "$(field "$menu" Delete_Model)"
wait_for '^TOAST “renamed_cnn” moved to the trash button=_Undo action=win.restore-model$' 5 \
  || fail "no toast with Undo: $(grep '^TOAST' "$APP_LOG")"
[[ ! -e $models/renamed_cnn.keras && -f $XDG_DATA_HOME/Trash/files/renamed_cnn.keras ]] \
  || fail "the model did not go to the trash"
wait_for '^TOASTS shown=1 .*moved to the trash' 5 || fail "the toast did not show"
screenshot "$OUT/deleted.png"
loads=$(count_lines '^MODEL loaded name=renamed_cnn ')
click_at "$(field "$(line 'TOASTS shown=1')" button)"
wait_for '^TOAST “renamed_cnn” is back' 5 || fail "Undo did not restore the model: $(grep '^TOAST' "$APP_LOG" | tail -2)"
[[ -f $models/renamed_cnn.keras ]] || fail "the model is not back in its folder"
[[ -z $(ls -A "$XDG_DATA_HOME/Trash/info") ]] || fail "the trash keeps a record of the restored file"
wait_for_more '^MODEL loaded name=renamed_cnn ' "$loads" 20 || fail "the restored model was not opened"

# --- the Train page's name field
if [[ -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte" || -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte.gz" ]]; then
  key alt+2
  wait_for '^TRAINPAGE' 10 || fail "no Train page"
  type_into "$(field "$(line TRAINPAGE)" name)" '../../../evil/na me'
  wait_for '^TRAIN name problem=A model name cannot contain “/” or “\\”: it would name another folder. start=0$' 5 \
    || fail "a name with slashes was not refused: $(grep '^TRAIN name' "$APP_LOG")"
  screenshot "$OUT/train-name-refused.png"
  type_into "$(field "$(line TRAINPAGE)" name)" '.hidden'
  wait_for '^TRAIN name problem=A model name cannot start with a dot: the file would be hidden. start=0$' 5 \
    || fail "a hidden name was not refused: $(grep '^TRAIN name' "$APP_LOG")"
  type_into "$(field "$(line TRAINPAGE)" name)" 'my_digits_cnn'
  wait_for '^TRAIN name ok start=1$' 5 || fail "a plain name was refused: $(grep '^TRAIN name' "$APP_LOG")"
else
  echo "no MNIST: the Train page's name field is not checked"
fi
quit_app
echo "PASS"
