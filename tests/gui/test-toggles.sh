#!/usr/bin/env bash
# The dark canvas, brush size and Grad-CAM toggles change what is painted:
# pixel counts of the canvas region in screenshots.
source "$(dirname "$0")/lib.sh"
start_app
wait_for '^MODEL loaded' 20 || fail "no model loaded"
canvas="$CX $CY $CS $CS"

seven() { draw_and_predict 70 60 210 60 205 75 125 235; }

line=$(seven)
screenshot "$OUT/dark.png"; crop "$OUT/dark.png" "$canvas" "$OUT/dark-canvas.png"
white_dark=$(count_color "$OUT/dark-canvas.png" white)
black_dark=$(count_color "$OUT/dark-canvas.png" black)
echo "dark canvas: white=$white_dark black=$black_dark"
((white_dark > 3000 && black_dark > 10 * white_dark / 2)) || fail "dark canvas not white on black"

# Dark off: black ink on white, same amount of ink
click_and_settle dark
screenshot "$OUT/light.png"; crop "$OUT/light.png" "$canvas" "$OUT/light-canvas.png"
white_light=$(count_color "$OUT/light-canvas.png" white)
black_light=$(count_color "$OUT/light-canvas.png" black)
echo "light canvas: white=$white_light black=$black_light"
((black_light > white_dark * 8 / 10 && black_light < white_dark * 12 / 10)) ||
  fail "light canvas ink $black_light differs from dark canvas ink $white_dark"
((white_light > 5 * black_light)) || fail "light canvas not black on white"
# the prediction does not depend on the colours on screen
before=$(count_lines '^PREDICTION')
key ctrl+Return
wait_for_more '^PREDICTION' "$before" 5 || fail "Ctrl+Return did not predict"
[[ $(field "$(last_prediction)" digit) == 7 ]] || fail "light canvas changed the prediction"
click_and_settle dark

# Brush size: ] five times is 14 -> 24; the same stroke then paints more ink
key Delete
for _ in 1 2 3 4 5; do key bracketright; done
seven >/dev/null
screenshot "$OUT/thick.png"; crop "$OUT/thick.png" "$canvas" "$OUT/thick-canvas.png"
white_thick=$(count_color "$OUT/thick-canvas.png" white)
echo "brush 24: white=$white_thick (brush 14: $white_dark)"
((white_thick > white_dark * 14 / 10)) || fail "a larger brush did not paint more ink"
key Delete
for _ in 1 2 3 4 5; do key bracketleft; done
line=$(seven)

# Grad-CAM on the canvas: colourful (saturated) pixels appear over the drawing
saturated() { /usr/bin/convert "$1" -alpha off -colorspace HSL -channel G -separate +channel \
  -threshold 30% -format '%[fx:round(mean*w*h)]' info:; }
screenshot "$OUT/no-heat.png"; crop "$OUT/no-heat.png" "$canvas" "$OUT/no-heat-canvas.png"
sat_off=$(saturated "$OUT/no-heat-canvas.png")
# the toggle predicts again, and the map (integrated gradients, computed in the
# background) reaches the canvas only after that prediction
before=$(count_lines '^PREDICTION')
click_and_settle heat
wait_for_more '^PREDICTION' "$before" 5 || fail "the heat map toggle did not predict again"
map_after_prediction >/dev/null || fail "no map after the heat map toggle"
screenshot "$OUT/heat.png"; crop "$OUT/heat.png" "$canvas" "$OUT/heat-canvas.png"
sat_on=$(saturated "$OUT/heat-canvas.png")
echo "saturated canvas pixels: heat off=$sat_off on=$sat_on"
((sat_off < 100)) || fail "colour on the canvas without the heat map"
((sat_on > 2000)) || fail "the heat map toggle painted no heat map"

quit_app
echo "PASS"
