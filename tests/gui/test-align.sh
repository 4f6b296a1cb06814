#!/usr/bin/env bash
# The heat map lies on the drawing: a 7 drawn small in the canvas's top-left
# corner (far from where the model's 28 x 28 field puts it) with real pointer
# drags; the map laid over the canvas (mapped back through the preprocessing)
# has its peak on the strokes and its hottest 1% of canvas pixels on or within
# 10 canvas units of ink. With Grad-CAM++ (the default, on the GUI thread) and
# integrated gradients (computed in the background), each with the Heat Map on.
# The same for an opened picture whose 7 sits in its bottom-right corner.
source "$(dirname "$0")/lib.sh"

check_map() { # LINE CORNER: the peak inside the ink's box, the hottest pixels on the ink
  local line=$1 corner=$2 peak ink px py x0 y0 x1 y1 share
  peak=$(field "$line" peak); ink=$(field "$line" ink); share=$(field "$line" hot_on_ink)
  IFS=, read -r px py <<<"$peak"; IFS=, read -r x0 y0 x1 y1 <<<"$ink"
  echo "$(field "$line" method): peak $px,$py; ink $x0..$x1 x $y0..$y1; hottest on ink: $share"
  [[ $(field "$line" canvas) == 1 ]] || fail "no map over the canvas: $line"
  # the drawing sits in one corner of the canvas: so must the map's peak
  if [[ $corner == top-left ]]; then
    ((x1 < 150 && y1 < 150)) || fail "the 7 is not in the top-left corner: ink box $ink"
  else
    ((x0 > 130 && y0 > 130)) || fail "the 7 is not in the bottom-right corner: ink box $ink"
  fi
  ((px >= x0 - 10 && px <= x1 + 10 && py >= y0 - 10 && py <= y1 + 10)) ||
    fail "the map's peak $px,$py is off the drawing (ink $ink)"
  python3 -c "import sys; sys.exit(0 if float('$share') >= 0.8 else 1)" ||
    fail "only $share of the hottest canvas pixels lie on the strokes"
}

seven_small() { draw_and_predict 20 20 120 20 117 28 70 130; }

for method in gradcam++ ig; do
  preset_settings "explain-method='$method'" "gradcam-on-canvas=true"
  : >"$APP_LOG"
  start_app
  wait_for '^MODEL loaded' 20 || fail "no model loaded"
  line=$(seven_small)
  [[ $(field "$line" digit) == 7 ]] || fail "the small 7 was read as: $line"
  # the map of the finished drawing (integrated gradients' comes from the background)
  want="strokes=$(field "$line" strokes) points=$(field "$line" points) "
  end=$((SECONDS + $(scaled 10)))
  until line=$(grep "^EXPLAIN method=$method .*$want" "$APP_LOG" | tail -1) && [[ -n $line ]]; do
    ((SECONDS < end)) || fail "no $method map for the finished drawing ($want)"
    sleep 0.05
  done
  check_map "$line" top-left
  screenshot "$OUT/align-$method.png"
  if [[ $method == gradcam++ ]]; then
    # a 7 in the bottom-right corner of a 600 x 400 picture, opened as a raster layer
    convert -size 600x400 xc:white -stroke black -strokewidth 18 -fill none \
      -draw "polyline 390,210 550,210 450,380" "$OUT/corner-seven.png"
    n=$(count_lines "^EXPLAIN method=$method ")
    timeout "$(scaled 10)" gdbus call --session --dest io.github.digits.Digits \
      --object-path /io/github/digits/Digits --method org.gtk.Actions.Activate \
      open-image "[<'$OUT/corner-seven.png'>]" '{}' >/dev/null || fail "app.open-image failed"
    wait_for '^IMAGE ok=1' 10 || fail "the picture did not open"
    wait_for_more "^EXPLAIN method=$method .*strokes=1 " "$n" 10 || fail "no map of the picture"
    check_map "$(grep "^EXPLAIN method=$method .*strokes=1 " "$APP_LOG" | tail -1)" bottom-right
    screenshot "$OUT/align-picture.png"
  fi
  quit_app
done
echo PASS
