# lib.sh: helpers for the end-to-end GUI tests (see ../shared/docs/GUI_TESTING.md).
# Sourced by each test-*.sh; run-gui-test.sh has already isolated HOME, started a
# session bus and an X server.
set -euo pipefail

: "${APP_BIN:?APP_BIN must point at the digits executable}"
OUT=${1:?usage: $0 OUTDIR}
mkdir -p "$OUT"
APP_LOG="$OUT/app.log"
APP=""
WID=""

fail() {
  echo "FAIL: $*" >&2
  echo "--- app.log" >&2; cat "$APP_LOG" >&2 || true
  echo "--- app.err" >&2; tail -40 "$OUT/app.err" >&2 || true
  [[ -n "$APP" ]] && kill "$APP" 2>/dev/null || true
  exit 1
}

# Every wait is for a state line or a window, never a fixed time; its timeout is
# stretched by GUI_TIMEOUT_SCALE (default 3) so that a loaded machine only makes the
# suite slower, not red. A passing wait returns as soon as its line appears.
scaled() { echo $(($1 * ${GUI_TIMEOUT_SCALE:-3})); }

wait_for() { # PATTERN TIMEOUT_S [FILE]: poll every 50 ms for a line in the app's stdout
  local f=${3:-$APP_LOG} end=$((SECONDS + $(scaled "$2")))
  until grep -q -- "$1" "$f" 2>/dev/null; do
    if ((SECONDS >= end)); then echo "TIMEOUT waiting for '$1'" >&2; return 1; fi
    sleep 0.05
  done
}

count_lines() { # PATTERN -> number of matching lines so far
  grep -c -- "$1" "$APP_LOG" 2>/dev/null || true
}

wait_for_more() { # PATTERN N TIMEOUT_S: wait until more than N lines match
  local end=$((SECONDS + $(scaled "$3")))
  until (($(count_lines "$1") > $2)); do
    if ((SECONDS >= end)); then echo "TIMEOUT waiting for more '$1'" >&2; return 1; fi
    sleep 0.05
  done
}

ready_field() { # NAME -> "x y w h" from the last READY or LAYOUT line
  sed -n "s/^\(READY\|LAYOUT\).* $1=\([0-9-]*\),\([0-9-]*\),\([0-9]*\),\([0-9]*\).*/\2 \3 \4 \5/p" "$APP_LOG" | tail -1
}

field() { # LINE NAME -> value of NAME=value in LINE
  sed -n "s/.* $2=\([^ ]*\).*/\1/p" <<<"$1"
}

last_prediction() {
  grep '^PREDICTION' "$APP_LOG" | tail -1
}

# map_after_prediction [TIMEOUT_S]: the EXPLAIN line that answers the last prediction,
# once there is one. The default method, integrated gradients, is computed in the
# background, so its map comes after the prediction.
map_after_prediction() {
  local end=$((SECONDS + $(scaled "${1:-10}"))) line
  until line=$(awk '/^PREDICTION /{e=""} /^EXPLAIN /{e=$0} END{print e}' "$APP_LOG") && [[ -n $line ]]; do
    if ((SECONDS >= end)); then echo "TIMEOUT waiting for the map of the last prediction" >&2; return 1; fi
    sleep 0.05
  done
  echo "$line"
}

count_color() { # PNG COLOR -> pixels within 10% of COLOR
  # marked magenta first, so that COLOR may be black or white itself
  /usr/bin/convert "$1" -alpha off -fuzz 10% -fill '#ff00ff' -opaque "$2" -fuzz 0 \
    -fill black +opaque '#ff00ff' -fill white -opaque '#ff00ff' \
    -colorspace gray -format '%[fx:round(mean*w*h)]' info:
}

crop() { # PNG "x y w h" OUT.png
  local x y w h; read -r x y w h <<<"$2"
  /usr/bin/convert "$1" -crop "${w}x${h}+${x}+${y}" +repage "$3"
}

# preset_settings KEY=VALUE...: the next app starts with these GSettings values, as
# for a user who chose them before (GLib's keyfile backend, in this test's own
# $XDG_CONFIG_HOME; VALUE in GVariant text: 'cnn', 600)
preset_settings() {
  local f="$XDG_CONFIG_HOME/glib-2.0/settings/keyfile"
  mkdir -p "${f%/*}"
  { echo "[io/github/digits/Digits]"; printf '%s\n' "$@"; } >"$f"
  export GSETTINGS_BACKEND=keyfile
}

# type_into "x,y,w,h" TEXT: replaces the text of an entry or spin button at that place
# (clicked in its upper part: the bottom of a form's last rows may be scrolled away)
type_into() {
  local x y w h; IFS=, read -r x y w h <<<"$1"
  xdotool mousemove --window "$WID" $((x + 20)) $((y + h / 4)) click --repeat 3 1
  key ctrl+a
  xdotool type --window "$WID" "$2"
  key Tab
  settle "$WID" >/dev/null || true
}

# GTK_WARNING_ALLOWED: a GTK warning, as an extended regexp, that a test may set
# before start_app when GTK itself emits it. The app then runs with warnings not
# fatal (criticals still are), and quit_app fails on any other warning in app.err.
GTK_WARNING_ALLOWED=""
# GTK 4.8's file chooser sometimes draws a slider button of its path bar in the
# frame it was shown, before it was allocated: GTK warns, about its own widget
# (GtkPathBar > GtkButton, caught with a map hook and a core dump). A test that
# opens a chooser lets that one warning through.
GTK_PATH_BAR_WARNING='Gtk-WARNING \*\*: [0-9:.]+: Trying to snapshot GtkButton 0x[0-9a-f]+ without a current allocation$'

start_app() { # [ARGS...]: starts the app in test mode and waits for READY and a model
  local debug=${G_DEBUG-}
  [[ -n $GTK_WARNING_ALLOWED ]] && debug=fatal-criticals
  G_DEBUG=$debug DIGITS_TEST_MODE=1 "$APP_BIN" "$@" >"$APP_LOG" 2>"$OUT/app.err" &
  APP=$!
  trap '[[ -n "$APP" ]] && kill "$APP" 2>/dev/null || true' EXIT
  wait_for '^READY' 20 || fail "no READY"
  WID=$(timeout 10 xdotool search --sync --onlyvisible --name '^Digits$' | head -1)
  [[ -n "$WID" ]] || fail "no window"
  read -r CX CY CS _ <<<"$(ready_field canvas)"
}

quit_app() {
  timeout 3 xdotool windowfocus --sync "$WID" 2>/dev/null || true
  xdotool key --window "$WID" ctrl+q 2>/dev/null || true  # the window may be gone before the key-up
  local rc=0 end=$((SECONDS + $(scaled 10)))
  while kill -0 "$APP" 2>/dev/null; do
    ((SECONDS < end)) || fail "the app did not quit after Ctrl+Q"
    sleep 0.05
  done
  wait "$APP" || rc=$?
  APP=""
  trap - EXIT
  ((rc == 0)) || fail "app exited with $rc"
  grep -q '^EXIT rc=0' "$APP_LOG" || fail "no clean EXIT"
  check_warnings
}

check_warnings() { # fails on a warning in app.err other than GTK_WARNING_ALLOWED
  [[ -n $GTK_WARNING_ALLOWED ]] || return 0
  local other
  other=$(grep -E -e '-(WARNING|CRITICAL) \*\*' "$OUT/app.err" | grep -Ev -e "$GTK_WARNING_ALLOWED" || true)
  [[ -z $other ]] || fail "warnings in app.err: $other"
  grep -Eq -e "$GTK_WARNING_ALLOWED" "$OUT/app.err" && echo "GTK's known warning was seen (allowed): $GTK_WARNING_ALLOWED"
  return 0
}

# drag U1 V1 U2 V2 ...: one pointer drag through points in canvas units (0..280),
# all in one xdotool process, 8 ms between moves, as a quick hand would.
drag() {
  local pts=("$@") cmd=() i x y
  x=$((CX + pts[0] * CS / 280)); y=$((CY + pts[1] * CS / 280))
  cmd=(mousemove --window "$WID" "$x" "$y" mousedown 1)
  for ((i = 2; i < ${#pts[@]}; i += 2)); do
    x=$((CX + pts[i] * CS / 280)); y=$((CY + pts[i + 1] * CS / 280))
    cmd+=(sleep 0.008 mousemove --window "$WID" "$x" "$y")
  done
  xdotool "${cmd[@]}" mouseup 1
}

# interpolate U1 V1 U2 V2 ... STEP: the polyline with points every STEP units
interpolate() {
  python3 - "$@" <<'PY'
import sys, math
v = list(map(float, sys.argv[1:-1])); step = float(sys.argv[-1])
pts = list(zip(v[0::2], v[1::2])); out = [pts[0]]
for (x0, y0), (x1, y1) in zip(pts, pts[1:]):
    n = max(1, int(math.hypot(x1 - x0, y1 - y0) / step))
    out += [(x0 + (x1 - x0) * k / n, y0 + (y1 - y0) * k / n) for k in range(1, n + 1)]
print(" ".join(f"{round(x)} {round(y)}" for x, y in out))
PY
}

ellipse() { # CX CY RX RY N: a closed loop starting at the top, counter-clockwise
  python3 - "$@" <<'PY'
import sys, math
cx, cy, rx, ry, n = map(float, sys.argv[1:]); n = int(n)
print(" ".join(f"{round(cx - rx * math.sin(2 * math.pi * k / n))} {round(cy - ry * math.cos(2 * math.pi * k / n))}" for k in range(n + 2)))
PY
}

key() { # KEYS...: to the main window, focused first (a closed dialog leaves X focus nowhere)
  timeout 3 xdotool windowfocus --sync "$WID" 2>/dev/null || true
  xdotool key --window "$WID" "$@"
}

key_to() { # WINDOW KEYS...: to another window (a dialog), focused first; a key that
  # closes the window makes xdotool fail on the key-up, which is fine
  local w=$1; shift
  # XTEST to the focused window: GTK may ignore sent events for a dialog opened
  # after another one closed
  timeout 3 xdotool windowfocus --sync "$w" 2>/dev/null || true
  xdotool key "$@" 2>/dev/null || true
}

click() { # NAME: clicks the centre of a widget named in the READY line
  local x y w h; read -r x y w h <<<"$(ready_field "$1")"
  [[ -n "$x" ]] || fail "no geometry for $1"
  xdotool mousemove --window "$WID" $((x + w / 2)) $((y + h / 2)) click 1
}

# prediction_after_stroke N: waits for the N-th "STROKE finished" line and for the
# prediction of that finished drawing (same strokes and points; it comes before the
# line when the pointer's release added no point, else after it), and prints it
prediction_after_stroke() {
  local n=$1 end=$((SECONDS + $(scaled 5))) line
  while :; do
    line=$(awk -v n="$n" '
      /^STROKE finished/ { s++; if (s == n) { split($0, f, " "); want = " " f[3] " " f[4] " " } }
      s >= n - 1 && /^PREDICTION/ { seen[++k] = $0 }
      END { for (i = k; i >= 1 && want != ""; i--) if (index(seen[i], want)) { print seen[i]; exit } }
    ' "$APP_LOG")
    [[ -n "$line" ]] && { echo "$line"; return 0; }
    ((SECONDS < end)) || fail "no prediction of the drawing after stroke $n"
    sleep 0.05
  done
}

# draw_and_predict POINTS...: draws one stroke, waits for the prediction of the
# finished stroke and prints it.
draw_and_predict() {
  local strokes; strokes=$(count_lines '^STROKE finished')
  # shellcheck disable=SC2086
  drag $(interpolate "$@" 6)
  wait_for_more '^STROKE finished' "$strokes" 5 || fail "the stroke did not finish"
  prediction_after_stroke $((strokes + 1))
}

# new_window TITLE: the id of a visible window titled TITLE (a regex) that no earlier
# call returned. A dialog that just closed can stay mapped for a moment, and its id
# would be stale by the time we type into it. Ids are kept in a file because callers
# often run in a $(...) subshell.
new_window() {
  local seen="$OUT/.seen-windows" end=$((SECONDS + $(scaled 10))) id
  touch "$seen"
  while ((SECONDS < end)); do
    for id in $(xdotool search --onlyvisible --name "$1" 2>/dev/null); do
      grep -qx "$id" "$seen" && continue
      echo "$id" >>"$seen"
      echo "$id"
      return 0
    done
    sleep 0.05
  done
  fail "no new window titled '$1'"
}

# window_ready WINDOW: waits until the window is mapped, has its real size and has
# the keyboard focus: before that, keys sent to a new dialog go nowhere
window_ready() {
  local w=$1 end=$((SECONDS + $(scaled 10))) width
  until [[ $(timeout 3 xdotool getwindowfocus 2>/dev/null) == "$w" ]] \
        && width=$(timeout 3 xdotool getwindowgeometry "$w" 2>/dev/null \
                   | sed -n 's/.*Geometry: \([0-9]*\)x.*/\1/p') && ((width > 100)); do
    ((SECONDS < end)) || fail "window $w never became ready"
    timeout 3 xdotool windowfocus --sync "$w" 2>/dev/null || true
    sleep 0.05
  done
}

app_windows() { # how many of the app's windows are mapped (on X11 GTK maps each
  # popover as a window of its own)
  timeout 3 xdotool search --onlyvisible --pid "$APP" 2>/dev/null | wc -l
}

# wait_popovers_closed N: waits until the app maps no more than N windows again. On a
# loaded machine the screen can look settled while a closing popover is still mapped,
# and an open popover takes the next click outside it for itself: it closes, and the
# click is lost.
wait_popovers_closed() {
  local end=$((SECONDS + $(scaled 5)))
  until (($(app_windows) <= $1)); do
    ((SECONDS < end)) || fail "a popover did not close"
    sleep 0.05
  done
}

window_gone() { # WINDOW: true once the window no longer exists or is unmapped
  ! timeout 3 xdotool search --onlyvisible --name . 2>/dev/null | grep -qx "$1"
}

wait_gone() { # WINDOW: waits until the window has closed
  local end=$((SECONDS + $(scaled 5)))
  until window_gone "$1"; do
    ((SECONDS < end)) || fail "window $1 did not close"
    sleep 0.05
  done
}

# chooser_enter TITLE PATH: types PATH into GTK's own file chooser titled TITLE (a new
# window) through its location entry, and accepts it. The chooser completes the
# location asynchronously, so a Return can come too early and be lost; the dialog
# closing is the sign that it took, and until then the path is typed again.
chooser_enter() {
  local dlg attempt end
  dlg=$(new_window "^$1\$")
  for attempt in 1 2 3 4 5; do
    window_ready "$dlg"
    key_to "$dlg" ctrl+l
    key_to "$dlg" ctrl+a
    xdotool type --window "$dlg" --delay 5 "$2"
    key_to "$dlg" Return
    end=$((SECONDS + $(scaled 2)))
    until window_gone "$dlg"; do
      ((SECONDS < end)) || break
      sleep 0.05
    done
    window_gone "$dlg" && return 0
    echo "chooser: attempt $attempt did not take; typing the path again" >&2
  done
  fail "the chooser '$1' did not accept $2"
}

# open_model PATH: opens a model by its path through the app's D-Bus action
# app.open-model, as `digits PATH` does; the call returns once the handler ran
open_image() { # PATH: app.open-image over D-Bus, as `gdbus` or another program would
  timeout "$(scaled 10)" gdbus call --session --dest io.github.digits.Digits \
    --object-path /io/github/digits/Digits --method org.gtk.Actions.Activate \
    open-image "[<'$1'>]" '{}' >/dev/null || fail "app.open-image $1 failed"
}

open_model() {
  timeout "$(scaled 10)" gdbus call --session --dest io.github.digits.Digits \
    --object-path /io/github/digits/Digits --method org.gtk.Actions.Activate \
    open-model "[<'$1'>]" '{}' >/dev/null || fail "app.open-model $1 failed"
}

# settle WINDOW [HASH [TIMEOUT_S]]: waits until the window's pixels stay the same between two
# looks (and differ from HASH, a look taken before a change was asked for), and
# prints the hash of what it settled on. WINDOW "root" is the whole screen.
window_hash() {
  local where=(-id "$1"); [[ $1 == root ]] && where=(-root)
  timeout 5 xwd "${where[@]}" -silent 2>/dev/null | md5sum | cut -d' ' -f1
}
settle() {
  local w=$1 prev=${2:-} end=$((SECONDS + $(scaled ${3:-5}))) a b
  a=$(window_hash "$w")
  while :; do
    sleep 0.1
    b=$(window_hash "$w")
    [[ $a == "$b" && $b != "$prev" ]] && { echo "$b"; return 0; }
    ((SECONDS < end)) || { echo "$b"; return 1; }
    a=$b
  done
}

screenshot() { # OUT.png [WINDOW]: the window as the X server shows it, once settled
  local w=${2:-$WID}
  settle "$w" "" 1 >/dev/null || true  # a live plot never settles: then take it as it is
  if [[ $w == root ]]; then import -window root "$1"; else import -window "$w" "$1"; fi
}

# click_and_settle NAME: clicks a widget of the READY line and waits until the window
# has changed and settled again
click_and_settle() {
  local h; h=$(settle "$WID")
  click "$1"
  settle "$WID" "$h" >/dev/null || fail "clicking $1 changed nothing on screen"
}
