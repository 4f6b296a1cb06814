#!/usr/bin/env bash
# Opening hostile .keras files (tests/io/hostile: a file that crashes libhdf5, memory
# bombs, overflowing weights) through Open Model by path: each gets a toast that
# names it, the app keeps running, and the previous model keeps predicting.
source "$(dirname "$0")/lib.sh"
: "${DIGITS_SOURCE_DIR:?}"
hostile="$DIGITS_SOURCE_DIR/tests/io/hostile"
start_app
wait_for '^MODEL loaded name=mnist_advanced' 20 || fail "the default model did not load"
line=$(draw_and_predict 70 60 210 60 205 75 125 235)
[[ $(field "$line" digit) == 7 ]] || fail "expected a 7: $line"

shopt -s nullglob
files=("$hostile"/hdf5-crash-*.keras "$hostile"/*.keras)
declare -A seen=()
for f in "${files[@]}"; do
  [[ -n "${seen[$f]:-}" ]] && continue
  seen[$f]=1
  name=$(basename "$f")
  errors=$(count_lines '^MODEL error')
  toasts=$(count_lines "^TOAST Could not open “$name”")
  open_model "$f"
  wait_for_more '^MODEL error' "$errors" 20 || fail "$name: no error"
  wait_for_more "^TOAST Could not open “$name”" "$toasts" 5 || fail "$name: no toast naming it"
  echo "$name: $(grep '^MODEL error' "$APP_LOG" | tail -1)"
  kill -0 "$APP" 2>/dev/null || fail "$name: the app died"
  grep -q "^MODEL loaded name=${name%.keras} " "$APP_LOG" && fail "$name was loaded"
  before=$(count_lines '^PREDICTION')
  key ctrl+Return
  wait_for_more '^PREDICTION' "$before" 5 || fail "$name: no prediction afterwards"
  line=$(last_prediction)
  [[ $(field "$line" model) == mnist_advanced && $(field "$line" digit) == 7 ]] \
    || fail "$name: the previous model did not stay: $line"
done
((${#seen[@]} >= 5)) || fail "only ${#seen[@]} hostile models in $hostile"
screenshot "$OUT/hostile-toast.png"
quit_app
echo "PASS (${#seen[@]} hostile files)"
