#!/usr/bin/env bash
# ONNX models in the app: a models folder holding only an .onnx file (the shipped
# CNN exported with digits-cli export) lists it and loads it as the model; a drawn 7
# reads as 7 with a Grad-CAM map; the same drawing under the .keras file it came
# from gets the same confidence; an exported advanced model opens by its path, and
# Export Model… in the menu saves it as .keras, which reads the drawing the same.
source "$(dirname "$0")/lib.sh"
GTK_WARNING_ALLOWED=$GTK_PATH_BAR_WARNING # it opens a file chooser
: "${CLI_BIN:?}" "${DIGITS_MODELS_PATH:?}"
mkdir -p "$DIGITS_MODELS_PATH"
"$CLI_BIN" export "$DIGITS_SOURCE_DIR/models/mnist_cnn.keras" "$DIGITS_MODELS_PATH/mnist_cnn.onnx" \
  || fail "digits-cli export (cnn) failed"
"$CLI_BIN" export "$DIGITS_SOURCE_DIR/models/mnist_advanced.keras" "$OUT/advanced.onnx" \
  || fail "digits-cli export (advanced) failed"

# Grad-CAM++ comes with each prediction (the default, integrated gradients, later)
preset_settings "explain-method='gradcam++'"
start_app
wait_for "^MODEL loaded name=mnist_cnn .*path=$DIGITS_MODELS_PATH/mnist_cnn.onnx" 20 \
  || fail "the .onnx file in the models folder was not listed and loaded"
grep '^MODEL loaded name=mnist_cnn' "$APP_LOG" | grep -q ' gradcam=1 ' || fail "no Grad-CAM layer in the ONNX model"
line=$(draw_and_predict 70 60 210 60 205 75 125 235)
echo "onnx: $line"
[[ $(field "$line" model) == mnist_cnn && $(field "$line" digit) == 7 ]] || fail "bad prediction: $line"
[[ $(field "$line" cam) != "0.0" ]] || fail "no Grad-CAM map for the ONNX model: $line"
onnx_conf=$(field "$line" confidence) onnx_cam=$(field "$line" cam)
screenshot "$OUT/onnx-cnn.png"

# the .keras file it was exported from reads the same drawing with the same confidence
before=$(count_lines '^PREDICTION.* model=mnist_cnn ')
open_model "$DIGITS_SOURCE_DIR/models/mnist_cnn.keras"
wait_for "^MODEL loaded name=mnist_cnn .*path=$DIGITS_SOURCE_DIR/models/mnist_cnn.keras" 10 \
  || fail "the .keras CNN did not load"
wait_for_more '^PREDICTION.* model=mnist_cnn ' "$before" 5 || fail "no prediction from the .keras CNN"
line=$(last_prediction)
echo "keras: $line"
keras_conf=$(field "$line" confidence)
# printed to 4 decimals; the two agree to 1e-5 (tests/onnx), so at most one last digit apart
awk -v a="$onnx_conf" -v b="$keras_conf" 'BEGIN { d = a - b; exit !(d < 1.5e-4 && d > -1.5e-4) }' \
  || fail "confidence $onnx_conf (.onnx) against $keras_conf (.keras)"
# and the same Grad-CAM map (the sum of its cells, to one decimal)
awk -v a="$onnx_cam" -v b="$(field "$line" cam)" 'BEGIN { d = a - b; exit !(d < 0.25 && d > -0.25) }' \
  || fail "Grad-CAM sum $onnx_cam (.onnx) against $(field "$line" cam) (.keras)"

# an .onnx file opened by its path (app.open-model, as `digits FILE.onnx` does)
before=$(count_lines '^PREDICTION.* model=advanced ')
open_model "$OUT/advanced.onnx"
wait_for "^MODEL loaded name=advanced .*path=$OUT/advanced.onnx" 10 || fail "advanced.onnx did not load"
wait_for_more '^PREDICTION.* model=advanced ' "$before" 5 || fail "no prediction from advanced.onnx"
line=$(last_prediction)
echo "advanced.onnx: $line"
[[ $(field "$line" digit) == 7 ]] || fail "advanced.onnx misread the 7: $line"

# Export Model… from the main menu (its second item): the imported model saved as
# .keras, which digits-cli reads back and which predicts as the .onnx did
h=$(settle root)
click menu
settle root "$h" >/dev/null || fail "the main menu did not open"
screenshot "$OUT/menu.png" root
xdotool key Down Return  # the menu opens with its first item, Open Model…, focused
chooser_enter 'Export Model' "$OUT/again.keras"
wait_for '^TOAST Exported again.keras' 20 || fail "no toast for the export"
[[ -f "$OUT/again.keras" ]] || fail "again.keras was not written"
ls "$OUT" | grep -q '^again.keras.' && fail "a temporary file was left"
"$CLI_BIN" info "$OUT/again.keras" | grep -q 'Keras' || fail "digits-cli cannot read again.keras"
before=$(count_lines '^PREDICTION.* model=again ')
open_model "$OUT/again.keras"
wait_for '^MODEL loaded name=again ' 10 || fail "again.keras did not load"
wait_for_more '^PREDICTION.* model=again ' "$before" 5 || fail "no prediction from again.keras"
[[ $(field "$(last_prediction)" confidence) == $(field "$line" confidence) ]] \
  || fail "again.keras: $(last_prediction) against advanced.onnx: $line"

quit_app
echo "PASS"
