#!/usr/bin/env bash
# The Train page after a whole Quick run as a user starts it: the recipe's own
# settings, all of MNIST's training images, five epochs. scripts/screenshots.sh runs
# it for docs/screenshots/train-page.png; it is not part of the test suite, because
# the run takes about a minute.
source "$(dirname "$0")/lib.sh"
[[ -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte" || -f "${DIGITS_MNIST_DIR:-data/mnist}/train-images-idx3-ubyte.gz" ]] || { echo "SKIP: no MNIST"; exit 77; }
preset_settings "train-recipe='quick'" "train-images=0"
start_app --page train
wait_for '^TRAINPAGE' 10 || fail "no TRAINPAGE line"
page() { grep '^TRAINPAGE' "$APP_LOG" | tail -1; }
read -r x y w h <<<"$(field "$(page)" start | tr , ' ')"
xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
wait_for '^TRAIN start' 5 || fail "Start did nothing"
start=$(grep '^TRAIN start' "$APP_LOG" | head -1)
[[ $(field "$start" recipe) == quick && $(field "$start" limit) == 0 ]] || fail "not a whole Quick run: $start"
wait_for '^TRAIN done' 200 || fail "the run did not finish"
done_line=$(grep '^TRAIN done' "$APP_LOG")
echo "$done_line"
[[ $(field "$done_line" status) == ok ]] || fail "the run failed: $done_line"
wait_for_more '^TRAINPAGE' 0 5 || true
screenshot "$OUT/train-quick.png"
