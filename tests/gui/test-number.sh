#!/usr/bin/env bash
# Number mode: Ctrl+N turns the canvas about 3:1; "42" and "307" drawn with real
# pointer drags are read as numbers, with a box and a tag over each digit; a
# click on a tag, or on a chip under the number, shows that digit's reading.
# Back in digit mode, a drawn X, an A and a dot are "not a digit", and
# ambiguous drawings read by the CNN under 80 % show the unsure style. Screenshots of number mode at
# 1280 x 800 and 400 x 700. An opened picture of touching digits is read with the
# pieces model.
source "$(dirname "$0")/lib.sh"

# number_after_stroke N: the NUMBER line printed after the prediction of stroke N
number_after_stroke() {
  local n=$1 p line end=$((SECONDS + $(scaled 5)))
  p=$(prediction_after_stroke "$n")
  while :; do
    line=$(awk -v s="$(field "$p" strokes)" '/^NUMBER / { if (index($0, " strokes=" s " ")) l = $0 } END { print l }' "$APP_LOG")
    [[ -n "$line" ]] && { echo "$line"; return 0; }
    ((SECONDS < end)) || fail "no NUMBER line after stroke $n"
    sleep 0.05
  done
}

# draw_strokes "STROKE" "STROKE" ...: each a list of points in canvas units,
# drawn as one drag; prints the NUMBER line of the finished drawing
draw_strokes() {
  local s strokes
  for s in "$@"; do
    strokes=$(count_lines '^STROKE finished')
    # shellcheck disable=SC2046,SC2086
    drag $(interpolate $s 6)
    wait_for_more '^STROKE finished' "$strokes" 5 || fail "the stroke did not finish"
  done
  number_after_stroke $((strokes + 1))
}

click_rect() { # "x,y,w,h": clicks its centre
  local x y w h; IFS=, read -r x y w h <<<"$1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}

nth() { # LIST(;-separated) N -> the N-th item (0-based)
  tr ';' '\n' <<<"$1" | sed -n "$(($2 + 1))p"
}

wide_mode() { # turns number mode on and aims at the wide canvas
  local n; n=$(count_lines '^LAYOUT')
  key ctrl+n
  wait_for_more '^LAYOUT' "$n" 5 || fail "Ctrl+N did not lay the page out again"
  read -r CX CY CW CS <<<"$(ready_field canvas)"
  echo "wide canvas: ${CW}x$CS at $CX,$CY"
  ((CW >= 2 * CS)) || fail "the canvas did not widen: ${CW}x$CS"
}

FOUR=("60 50 30 170 125 170" "100 70 100 245")
TWO=("165 95 190 65 225 60 250 85 245 125 165 240 265 240")

preset_settings "window-width=1280" "window-height=800"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"
wide_mode

# "42": a 4 in two strokes and a 2 beside it
line=$(draw_strokes "${FOUR[@]}" "${TWO[@]}")
echo "42: $line"
[[ $(field "$line" number) == 42 && $(field "$line" verdict) == number ]] || fail "drew 42, read: $line"
[[ $(field "$line" selected) == 1 ]] || fail "the last digit drawn is not the one shown: $line"
screenshot "$OUT/number-42-1280x800.png"
# Ctrl+C copies the whole wide drawing
key ctrl+c
for attempt in 1 2 3 4 5; do
  timeout 5 xclip -selection clipboard -t image/png -o >"$OUT/copied.png" 2>/dev/null && [[ -s "$OUT/copied.png" ]] && break
  sleep 0.2
done
[[ $(identify -format '%wx%h' "$OUT/copied.png" 2>/dev/null) == 840x280 ]] \
  || fail "Ctrl+C in number mode copied no 840 x 280 picture"

# a click on the 4's tag shows the 4 below
n=$(count_lines '^NUMBERSEL')
click_rect "$(nth "$(field "$line" tags)" 0)"
wait_for_more '^NUMBERSEL' "$n" 5 || fail "clicking the 4's tag selected nothing"
sel=$(grep '^NUMBERSEL' "$APP_LOG" | tail -1)
[[ $(field "$sel" selected) == 0 && $(field "$sel" shown) == 4 ]] || fail "the 4's tag showed: $sel"
[[ $(field "$sel" cam) == 1 ]] || fail "no Grad-CAM for the selected 4: $sel"
screenshot "$OUT/number-42-selected-1280x800.png"
# ... and the 2's chip the 2
n=$(count_lines '^NUMBERSEL')
click_rect "$(nth "$(field "$line" chips)" 1)"
wait_for_more '^NUMBERSEL' "$n" 5 || fail "clicking the 2's chip selected nothing"
sel=$(grep '^NUMBERSEL' "$APP_LOG" | tail -1)
[[ $(field "$sel" selected) == 1 && $(field "$sel" shown) == 2 ]] || fail "the 2's chip showed: $sel"

# "307", the 0 touching the 7's bar: one blob of ink, two groups of strokes
n=$(count_lines '^NUMBER ')
key Delete
wait_for_more '^NUMBER ' "$n" 5 || fail "Delete did not read the blank canvas"
[[ $(grep '^NUMBER ' "$APP_LOG" | tail -1 | sed 's/.* verdict=\([^ ]*\).*/\1/') == blank ]] \
  || fail "a blank wide canvas is not blank: $(grep '^NUMBER ' "$APP_LOG" | tail -1)"
# shellcheck disable=SC2046
line=$(draw_strokes "60 70 100 50 140 75 130 120 95 140 140 160 145 210 100 240 55 220" \
                    "$(ellipse 290 150 42 85 36)" \
                    "330 60 450 60 445 75 370 240")
echo "307: $line"
[[ $(field "$line" number) == 307 ]] || fail "drew 307, read: $line"
screenshot "$OUT/number-307-1280x800.png"

# an opened picture of touching MNIST test digits, which the digit model alone
# misreads: the app reads opened pictures with the pieces model too
models=$DIGITS_SOURCE_DIR/models
status=0
made=$("$MAKE_NUMBER_PNG" "$models/mnist_advanced.keras" "$models/pieces/number_pieces.keras" \
       "$OUT/touching.png") || status=$?
if ((status == 77)); then
  echo "no MNIST: no opened picture of touching digits"
else
  ((status == 0)) || fail "make-number-png found no touching number to open (status $status)"
  read -r truth alone <<<"$made"
  n=$(count_lines '^NUMBER ')
  open_image "$OUT/touching.png"
  wait_for_more '^NUMBER ' "$n" 10 || fail "the opened picture was not read"
  line=$(grep '^NUMBER ' "$APP_LOG" | tail -1)
  echo "opened $truth ($alone without the pieces model): $line"
  [[ $(field "$line" number) == "$truth" ]] || fail "opened $truth, read: $line"
  screenshot "$OUT/number-opened-1280x800.png"
fi

# back to one digit: not a digit, and unsure
n=$(count_lines '^LAYOUT')
key ctrl+n
wait_for_more '^LAYOUT' "$n" 5 || fail "Ctrl+N did not turn number mode off"
read -r CX CY CS _ <<<"$(ready_field canvas)"
key Delete
check_refused() { # WHAT LINE
  echo "$1: $2"
  [[ $(field "$2" verdict) == not-a-digit && $(field "$2" style) == not-a-digit ]] \
    || fail "$1 was taken for a digit: $2"
}
# an X: two crossing diagonals
draw_and_predict 60 50 220 230 >/dev/null
check_refused "an X" "$(draw_and_predict 220 50 60 230)"
screenshot "$OUT/not-a-digit-x.png"
key Delete
# an A: two slants and a bar (the shipped model read it as a 4, 99.9% sure, before
# its rule learned printed capitals)
draw_and_predict 50 240 140 40 230 240 >/dev/null
check_refused "an A" "$(draw_and_predict 90 160 190 160)"
key Delete
# a dot
check_refused "a dot" "$(draw_and_predict 140 140 146 142 142 146 140 140)"
screenshot "$OUT/not-a-digit-dot.png"
key Delete

# the style follows the reading in every prediction of this run (the partial
# strokes of the digits above too): unsure exactly when a digit is under 80 %
grep '^PREDICTION digit=' "$APP_LOG" | while read -r l; do
  c=$(field "$l" confidence) v=$(field "$l" verdict) st=$(field "$l" style)
  if [[ $v == not-a-digit ]]; then want=not-a-digit
  elif awk -v c="$c" 'BEGIN { exit !(c < 0.8) }'; then want=unsure
  else want=sure; fi
  [[ $st == "$want" ]] || fail "shown as $st, should be $want: $l"
done
echo "styles: $(grep '^PREDICTION digit=' "$APP_LOG" | sed 's/.* style=//' | sort | uniq -c | tr '\n' ' ')"

quit_app

# number mode in a phone-sized window
preset_settings "window-width=400" "window-height=700"
: >"$APP_LOG"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"
wide_mode
line=$(draw_strokes "${FOUR[@]}" "${TWO[@]}")
echo "42 at 400x700: $line"
[[ $(field "$line" number) == 42 ]] || fail "drew 42 at 400 x 700, read: $line"
geo=$(xdotool getwindowgeometry "$WID" | sed -n 's/.*Geometry: //p')
[[ $geo == 400x700 ]] || fail "number mode widened the window to $geo"
((CX + CW <= 400)) || fail "the wide canvas reaches past the window: $CX + $CW"
screenshot "$OUT/number-42-400x700.png"
quit_app

# low confidence: with the shipped CNN, a 7 with a short bar (or a 1 with a long
# flag) reads "7, 54 %" and a 9 with an open loop "9, 63 %": digits, shown as
# unsure (a 5 closing into a 6, "5, 66 %" and a digit before, is refused by the
# rule fitted with letters and touching pairs)
preset_settings "window-width=1280" "window-height=800"
: >"$APP_LOG"
start_app --model "${DIGITS_MODELS_PATH%%:*}/mnist_cnn.keras"
wait_for '^MODEL loaded name=mnist_cnn' 20 || fail "the CNN did not load"
for shape in "120 70 160 65 140 240" "180 70 100 60 90 130 180 130 150 240"; do
  # shellcheck disable=SC2086
  line=$(draw_and_predict $shape)
  echo "unsure: $line"
  [[ $(field "$line" verdict) == digit && $(field "$line" style) == unsure ]] \
    || fail "a reading under 80 % is not shown as unsure: $line"
  awk -v c="$(field "$line" confidence)" 'BEGIN { exit !(c < 0.8) }' || fail "not under 80 %: $line"
  screenshot "$OUT/unsure-$(field "$line" digit).png"
  key Delete
done
quit_app
echo PASS
