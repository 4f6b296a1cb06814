#!/usr/bin/env bash
# The Inside view beside the Draw page, at 1280 x 800 (beside the canvas) and
# 400 x 700 (over it): opened with the Inside toggle after drawing a 7, it shows
# one grid of feature maps per spatial layer of the shipped advanced model, bars
# for its dense layers and the softmax; at 1280 x 800 it follows a new drawing
# while open (Delete, then a 0). The heat map's method popover opens from the
# button beside Heat Map. Screenshots of both stay in the test's folder
# (docs/screenshots/ has a selection).
source "$(dirname "$0")/lib.sh"
export GUI_TIMEOUT_SCALE=${GUI_TIMEOUT_SCALE:-4}

check_inside() { # LINE: one grid per spatial layer, bars, the softmax
  local line=$1
  echo "inside: $line"
  [[ $(field "$line" model) == mnist_advanced ]] || fail "not the advanced model: $line"
  (($(field "$line" grids) == $(field "$line" spatial_layers))) ||
    fail "grids differ from the model's spatial layers: $line"
  (($(field "$line" grids) >= 20)) || fail "too few grids for the advanced model: $line"
  (($(field "$line" bars) >= 1 && $(field "$line" softmax) == 1)) || fail "no bars or softmax: $line"
}

for size in 1280x800 400x700; do
  W=${size%x*} H=${size#*x}
  preset_settings "window-width=$W" "window-height=$H"
  : >"$APP_LOG"
  start_app
  wait_for '^MODEL loaded' 20 || fail "no model loaded"
  line=$(draw_and_predict 70 60 210 60 205 75 125 235)
  [[ $(field "$line" digit) == 7 ]] || fail "the 7 was read as: $line"

  # the method popover, beside the Heat Map toggle
  windows=$(app_windows)
  h=$(settle root)
  click method
  settle root "$h" >/dev/null || fail "the method popover did not open"
  # the pointer away from the button, so that its tooltip does not cover the popover
  xdotool mousemove --window "$WID" $((CX + CS / 2)) $((CY + CS - 10))
  settle root >/dev/null || true
  screenshot "$OUT/popover-$size.png" root
  key Escape
  settle root >/dev/null || true
  wait_popovers_closed "$windows"

  n=$(count_lines '^INSIDE grids=[1-9]')
  click inside
  wait_for_more '^INSIDE grids=[1-9]' "$n" 10 || fail "$size: the Inside view showed no grids"
  check_inside "$(grep '^INSIDE grids=[1-9]' "$APP_LOG" | tail -1)"
  wait_for '^FLAP revealed=1' 10 || fail "$size: the Inside view did not open"
  flap=$(grep '^FLAP revealed=1' "$APP_LOG" | tail -1)
  echo "$flap"
  read -r vx _ vw _ <<<"$(field "$flap" view | tr , ' ')"
  ((vx >= 0 && vx + vw <= W)) || fail "$size: the Inside view reaches past the window ($vx + $vw)"
  screenshot "$OUT/inside-$size.png"

  if ((W >= 1280)); then
    # the page is narrower now: where its canvas went
    IFS=, read -r CX CY CS _ <<<"$(field "$flap" canvas)"
    ((CX + CS <= vx)) || fail "$size: the Inside view covers the canvas"
    # live: the view follows the drawing while it shows
    key Delete
    wait_for '^INSIDE grids=0 ' 5 || fail "the Inside view did not clear with the canvas"
    n=$(count_lines '^INSIDE grids=[1-9]')
    # shellcheck disable=SC2046
    line=$(draw_and_predict $(ellipse 140 140 60 90 24))
    [[ $(field "$line" digit) == 0 ]] || fail "the 0 was read as: $line"
    wait_for_more '^INSIDE grids=[1-9]' "$n" 10 || fail "the Inside view did not follow the drawing"
    screenshot "$OUT/inside-zero-$size.png"
    # the filters and the model graph, further down the view
    xdotool mousemove --window "$WID" $((vx + vw / 2)) 400 click --repeat 40 --delay 20 5
    screenshot "$OUT/inside-filters-$size.png"
    xdotool click --repeat 200 --delay 10 5
    screenshot "$OUT/inside-graph-$size.png"
  fi
  quit_app
done
echo PASS
