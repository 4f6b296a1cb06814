#!/usr/bin/env bash
# Evaluate page: the shipped CNN on the MNIST test set gives the same confusion
# matrix as `digits-cli evaluate`; clicking the most confused cell opens a gallery
# of exactly that many images; the keyboard reaches the matrix's cells (Tab, the
# arrows, Home, Enter opens a cell's images); a robustness sweep draws its chart; Export writes
# the PNGs and CSVs into a folder chosen with the folder picker.
source "$(dirname "$0")/lib.sh"
GTK_WARNING_ALLOWED=$GTK_PATH_BAR_WARNING # it opens a file chooser
[[ -f "${DIGITS_MNIST_DIR:-data/mnist}/t10k-images-idx3-ubyte" || -f "${DIGITS_MNIST_DIR:-data/mnist}/t10k-images-idx3-ubyte.gz" ]] || { echo "SKIP: no MNIST"; exit 77; }
: "${CLI_BIN:?CLI_BIN must point at digits-cli}"
start_app --page evaluate
wait_for '^MODEL loaded' 20 || fail "no model"
model=$(field "$(grep '^MODEL loaded' "$APP_LOG" | head -1)" path)
wait_for '^EVALPAGE' 10 || fail "no EVALPAGE line"
page() { grep '^EVALPAGE' "$APP_LOG" | tail -1; }
click_at() { # "x,y,w,h"
  local x y w h; IFS=, read -r x y w h <<<"$1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}
shot_crop() { # FIELD OUT.png
  local x y w h; IFS=, read -r x y w h <<<"$(field "$(page)" "$1")"
  screenshot "$OUT/window.png"
  /usr/bin/convert "$OUT/window.png" -crop "${w}x${h}+${x}+${y}" +repage "$2"
}

# the reference: the command line on the same model
nice "$CLI_BIN" evaluate "$model" --confusion-csv "$OUT/cli.csv" >"$OUT/cli.txt" || fail "digits-cli evaluate failed"
cli_counts=$(awk -F, '$1 ~ /^[0-9]$/ { for (i = 2; i <= 11; i++) printf "%s%s", (n++ ? "," : ""), $i }' "$OUT/cli.csv")

# before any run: an empty state, not an empty matrix; "Compare with" offers
# "None" only (the one model in the list is the one evaluated)
before=$(page)
[[ $(field "$before" empty) != 0,0,0,0 && $(field "$before" confusion) =~ ,0,0$ ]] \
  || fail "no empty state before the first evaluation: $before"
[[ $(field "$before" compare_n) == 1 ]] || fail "Compare with offers the evaluated model: $before"
screenshot "$OUT/empty.png"
click_at "$(field "$(page)" evaluate)"
wait_for '^EVAL start' 5 || fail "Evaluate did nothing"
wait_for '^EVAL progress' 60 || fail "no progress"
wait_for '^EVAL done' 120 || fail "evaluation did not finish"
done_line=$(grep '^EVAL done' "$APP_LOG")
echo "${done_line% counts=*}"
[[ $(field "$done_line" counts) == "$cli_counts" ]] || fail "the matrix differs from digits-cli: $(field "$done_line" counts) vs $cli_counts"
echo "confusion matrix equals digits-cli's ($(field "$done_line" n) images)"
shot_crop confusion "$OUT/confusion.png"
cp "$OUT/window.png" "$OUT/evaluate-page.png"
# the heat map is drawn: blue diagonal cells and dark count labels
blue=$(/usr/bin/convert "$OUT/confusion.png" -alpha off -fx 'b > 0.5 && r < 0.45 ? 1 : 0' -format '%[fx:round(mean*w*h)]' info:)
echo "confusion blue pixels: $blue"
((blue > 2000)) || fail "no heat map ($blue)"

# the most confused cell opens a gallery of exactly its images
IFS=, read -r wx wy <<<"$(field "$done_line" worst_at)"
xdotool mousemove --window "$WID" "$wx" "$wy" click 1
wait_for '^GALLERY row' 5 || fail "no gallery"
g=$(grep '^GALLERY row' "$APP_LOG" | tail -1); echo "$g"
[[ $(field "$g" images) == $(field "$done_line" worst_count) && "$(field "$g" row),$(field "$g" col)" == "$(field "$done_line" worst)" ]] || fail "gallery shows the wrong images: $g"
gal=$(new_window 'Read as')
screenshot "$OUT/gallery.png" "$gal"
# an image opens on the Draw page, where the model reads it again with Grad-CAM
wait_for '^GALLERYITEM' 5 || fail "no gallery item geometry"
IFS=, read -r x y w h <<<"$(field "$(grep '^GALLERYITEM' "$APP_LOG" | tail -1)" first)"
before=$(count_lines '^PREDICTION')
xdotool mousemove --window "$gal" $((x + w / 2)) $((y + h / 2)) click 1
wait_for '^GALLERY open' 5 || fail "the image did not open on the Draw page"
wait_for_more '^PREDICTION' "$before" 5 || fail "no prediction of the opened image"
settle "$WID" >/dev/null || true
p=$(last_prediction); echo "opened: $p"
# one raster layer, not strokes: one step of history
[[ $(field "$p" image) == 1 && $(field "$p" strokes) == 1 ]] || fail "the image did not reach the canvas: $p"
map=$(map_after_prediction) && [[ $(field "$map" sum) != "0.0" ]] || fail "no map for the opened image: $p (map: $map)"
screenshot "$OUT/opened-on-draw.png"
h=$(settle "$WID")
click_at "$(field "$(page)" switch-evaluate)"
settle "$WID" "$h" >/dev/null || fail "the Evaluate page did not come back"

# robustness: a small sweep, its chart drawn
h=$(settle "$WID")
click_at "$(field "$(page)" tab1)"
settle "$WID" "$h" >/dev/null || fail "the robustness tab did not open"
IFS=, read -r x y w h <<<"$(field "$(page)" compare)"
click_at "$(field "$(page)" sweep)"
wait_for '^ROBUST done' 120 || fail "the sweep did not finish"
r=$(grep '^ROBUST done' "$APP_LOG"); echo "$r"
(($(field "$r" points) > 10)) || fail "no chart points"
shot_crop robust-plot "$OUT/robust-plot.png"
cp "$OUT/window.png" "$OUT/robustness.png"
colored=$(/usr/bin/convert "$OUT/robust-plot.png" -alpha off -colorspace HSL -channel G -separate -threshold 40% -format '%[fx:round(mean*w*h)]' info:)
echo "robustness chart coloured pixels: $colored"
((colored > 800)) || fail "no lines in the robustness chart ($colored)"

# the keyboard reaches the matrix: Tab from the tabs gets to it, its cursor starts
# on the cell chosen before; Home, the arrows and Enter open a confusion's images
h=$(settle "$WID")
click_at "$(field "$(page)" tab0)"
settle "$WID" "$h" >/dev/null || fail "the confusion tab did not come back"
IFS=, read -r wr wc <<<"$(field "$done_line" worst)"
cells=$(count_lines '^EVAL cell')
for i in $(seq 1 15); do
  key Tab
  sleep 0.1
  (($(count_lines '^EVAL cell') > cells)) && break
done
wait_for_more '^EVAL cell' "$cells" 2 || fail "Tab never reached the confusion matrix"
grep '^EVAL cell' "$APP_LOG" | tail -1
[[ $(grep '^EVAL cell' "$APP_LOG" | tail -1) == "EVAL cell row=$wr col=$wc "* ]] || fail "the cursor did not start on the cell chosen before"
screenshot "$OUT/keyboard-cursor.png"
cells=$(count_lines '^EVAL cell'); key Home
wait_for_more '^EVAL cell' "$cells" 5 || fail "Home did nothing"
[[ $(grep '^EVAL cell' "$APP_LOG" | tail -1) == "EVAL cell row=$wr col=0 "* ]] || fail "Home did not go to the row's start"
cells=$(count_lines '^EVAL cell'); key Down
wait_for_more '^EVAL cell' "$cells" 5 || fail "Down did nothing"
[[ $(grep '^EVAL cell' "$APP_LOG" | tail -1) == "EVAL cell row=$(( wr < 9 ? wr + 1 : 9 )) col=0 "* ]] || fail "Down did not move down"
cells=$(count_lines '^EVAL cell'); key Up
wait_for_more '^EVAL cell' "$cells" 5 || fail "Up did nothing"
for ((i = 0; i < wc; i++)); do
  cells=$(count_lines '^EVAL cell'); key Right
  wait_for_more '^EVAL cell' "$cells" 5 || fail "Right did nothing"
done
[[ $(grep '^EVAL cell' "$APP_LOG" | tail -1) == "EVAL cell row=$wr col=$wc "* ]] || fail "the arrows did not reach cell $wr,$wc"
galleries=$(count_lines '^GALLERY row')
key Return
wait_for_more '^GALLERY row' "$galleries" 5 || fail "Enter did not open the cell's images"
[[ $(grep '^GALLERY row' "$APP_LOG" | tail -1) == "GALLERY row=$wr col=$wc images=$(field "$done_line" worst_count) "* ]] \
  || fail "Enter opened the wrong images: $(grep '^GALLERY row' "$APP_LOG" | tail -1)"
gal=$(new_window 'Read as')
window_ready "$gal"
key_to "$gal" Escape
wait_gone "$gal"

# export into a folder picked with the folder chooser
mkdir -p "$OUT/export"
click_at "$(field "$(page)" export)"
wait_for '^DIALOG window title=Export to a Folder$' 5 || fail "no export dialog"
chooser_enter 'Export to a Folder' "$OUT/export/"
wait_for '^EXPORT' 10 || fail "nothing exported"
grep '^EXPORT' "$APP_LOG"
for f in confusion.png confusion.csv predictions.csv robustness.png robustness.csv; do
  [[ -s "$OUT/export/$f" ]] || fail "export lacks $f"
done
cmp <(sed -n '2,11p' "$OUT/export/confusion.csv") <(sed -n '2,11p' "$OUT/cli.csv") || fail "exported CSV differs from the CLI's"
quit_app
echo "PASS"
