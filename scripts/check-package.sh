#!/usr/bin/env bash
# Builds the Debian package and checks that an installed copy works, in a clean
# Debian 12 root made with debootstrap:
#   1. copies the source tree (tracked and new files, no build folders, no MNIST)
#      to a work folder and runs dpkg-buildpackage -us -uc -b there, then lintian;
#   2. copies a cached minimal Debian 12 root (debootstrap --variant=minbase, plus
#      the X tools this check drives: Xvfb, xdotool, xwd, a session bus, gio),
#      installs the package into the copy with apt-get (which fetches its
#      dependencies), and there, as an ordinary user, from /:
#        digits-cli info /usr/share/digits/models/mnist_advanced.keras
#        digits-cli predict on a generated picture of a 7
#        the app started through its desktop file (gio launch) under Xvfb, checking
#        that its window appears with the default model (the app's state lines,
#        DIGITS_TEST_MODE=1, and xdotool), and a screenshot of it.
# Needs root, the Debian archive (the sources of /etc/apt/sources.list*) and a few
# minutes; the root is kept in the cache folder, so later runs skip debootstrap.
#   scripts/check-package.sh [--nocheck] [--cache DIR]
# --nocheck builds without running the unit suite (DEB_BUILD_OPTIONS=nocheck).
# The cache (default /var/cache/digits-check) holds the base root, the downloaded
# .debs, the last build (build/) and the last run's logs and screenshot (last/).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cache=/var/cache/digits-check
nocheck=0
while (($#)); do
  case "$1" in
    --nocheck) nocheck=1 ;;
    --cache) cache="$2"; shift ;;
    *) echo "usage: $0 [--nocheck] [--cache DIR]" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '==> %s\n' "$*"; }
fail() { printf 'FAIL: %s\n' "$*" >&2; exit 1; }
((EUID == 0)) || fail "run as root: debootstrap, chroot and apt-get need it"

# Host tools: the package build, lintian, debootstrap; python3 draws the test
# picture and ImageMagick turns the screenshot into a PNG. The build dependencies
# are installed by build-package.sh (apt-get build-dep).
host_tools=(dpkg-dev debhelper lintian debootstrap python3 imagemagick)
missing=()
for p in "${host_tools[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  say "Installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

mkdir -p "$cache"
build="$cache/build"
last="$cache/last"
rm -rf "$build" "$last"
mkdir -p "$build" "$last"

# 1. The package and lintian (scripts/build-package.sh: built from a copy of the
# source, so the checkout stays clean).
args=()
((nocheck)) && args+=(--nocheck)
rc=0
"$top/scripts/build-package.sh" "${args[@]}" "$build" 2>&1 | tee "$last/build-package.txt" \
  || rc=${PIPESTATUS[0]}
((rc == 0)) || fail "scripts/build-package.sh exited with $rc (logs in $build)"
version=$(dpkg-parsechangelog -l "$top/debian/changelog" -S Version)
deb=$(ls "$build"/digits_"$version"_*.deb)
dpkg-deb --info "$deb" | sed -n '/ Package:/,$p'

# 2. A clean Debian 12 root. The base is made once and kept; each run installs into
# a fresh copy of it.
sources=$(ls /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1 || true)
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' "${sources:-/dev/null}" | grep -v security | head -1)
[[ -n "$mirror" ]] || mirror=$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' \
                                 /etc/apt/sources.list 2>/dev/null || true)
mirror=${mirror:-http://deb.debian.org/debian}
base="$cache/bookworm-base"
tools="xvfb xauth xdotool x11-apps dbus-daemon dbus-bin dbus-session-bus-common libglib2.0-bin"
if [[ ! -f "$base/.complete" ]]; then
  rm -rf "$base"
  say "debootstrap bookworm from $mirror into $base (once)"
  debootstrap --variant=minbase bookworm "$base" "$mirror" > "$last/debootstrap.log" 2>&1 \
    || { tail -n 30 "$last/debootstrap.log"; fail "debootstrap"; }
  touch "$base/.complete"
fi

root="$cache/root"
cleanup() {
  local m
  for m in var/cache/apt/archives sys dev/pts dev proc; do
    mountpoint -q "$root/$m" 2>/dev/null && umount -l "$root/$m"
  done
  [[ -n "${xvfb_pid:-}" ]] && kill "$xvfb_pid" 2>/dev/null
  return 0
}
trap cleanup EXIT
cleanup
# never remove a root that still has the host's /dev or /sys mounted in it
if grep -q " $root/" /proc/mounts; then fail "mounts are left under $root; unmount them first"; fi
rm -rf "$root"
say "Copying the base root to $root"
cp -a "$base" "$root"
# the host's sources (the same suites, updates and security) so that the package's
# dependencies resolve to the versions it was built against
if [[ -n "$sources" ]]; then
  rm -f "$root/etc/apt/sources.list"
  cp /etc/apt/sources.list.d/*.sources "$root/etc/apt/sources.list.d/"
fi
cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
# and the host's Acquire settings (proxies, a mirror's dated Release files)
for f in /etc/apt/apt.conf.d/*; do
  if grep -q '^Acquire::' "$f" 2>/dev/null; then cp "$f" "$root/etc/apt/apt.conf.d/"; fi
done
mkdir -p "$cache/archives/partial"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
mount --bind /sys "$root/sys"
mount --bind "$cache/archives" "$root/var/cache/apt/archives"
in_root() { chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

say "Installing $(basename "$deb") and the check's X tools in the root"
cp "$deb" "$root/tmp/"
{ in_root apt-get update -q \
  && in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
       $tools "/tmp/$(basename "$deb")"; } > "$last/install.log" 2>&1 \
  || { tail -n 40 "$last/install.log"; fail "apt-get install in the root"; }
grep -E '^(Setting up digits|Unpacking digits)' "$last/install.log" || true
in_root dpkg -L digits | grep -E '^/usr/(bin|libexec|share/digits|share/applications|share/metainfo|share/glib-2.0|share/icons|share/locale/[a-z]*/LC_MESSAGES/digits)' \
  | grep -E '\.|bin/' | sed 's/^/  /'
in_root useradd -m -s /bin/sh checker
uid=$(in_root id -u checker) gid=$(in_root id -g checker)
# chroot changes to / in the root: every command below starts there
as_user() { chroot --userspec="$uid:$gid" "$root" env -i HOME=/home/checker USER=checker \
              PATH=/usr/bin:/bin LANG=C.UTF-8 "$@"; }

say "As user checker, in /: digits-cli info /usr/share/digits/models/mnist_advanced.keras"
as_user sh -c 'cd / && digits-cli info /usr/share/digits/models/mnist_advanced.keras' | tee "$last/info.txt"
grep -q 'mnist_advanced' "$last/info.txt" || fail "digits-cli info did not describe the model"

# A hand-drawn-looking 7, white on black, 280 x 280, written by Python's standard library.
python3 - "$root/home/checker/seven.png" <<'PY'
import struct, sys, zlib
n = 280
img = bytearray(n * n)
def line(x0, y0, x1, y1, r=11):
    steps = int(max(abs(x1 - x0), abs(y1 - y0)))
    for s in range(steps + 1):
        cx = x0 + (x1 - x0) * s / steps; cy = y0 + (y1 - y0) * s / steps
        for y in range(int(cy - r), int(cy + r) + 1):
            for x in range(int(cx - r), int(cx + r) + 1):
                if 0 <= x < n and 0 <= y < n and (x - cx) ** 2 + (y - cy) ** 2 <= r * r:
                    img[y * n + x] = 255
line(70, 60, 210, 60)
line(210, 60, 120, 225)
raw = b"".join(b"\0" + bytes(img[y * n:(y + 1) * n]) for y in range(n))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
with open(sys.argv[1], "wb") as f:
    f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", n, n, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
PY
chown "$uid:$gid" "$root/home/checker/seven.png"
say "As user checker, in /: digits-cli predict (default model) /home/checker/seven.png"
as_user sh -c 'cd / && digits-cli predict /usr/share/digits/models/mnist_advanced.keras /home/checker/seven.png' \
  | tee "$last/predict.txt"
grep -q 'seven.png: 7 ' "$last/predict.txt" || fail "digits-cli predict did not read the 7"

say "As user checker, in /: the app through its desktop file (gio launch) under Xvfb"
desktop=/usr/share/applications/io.github.digits.Digits.desktop
[[ -f "$root$desktop" ]] || fail "no $desktop in the package"
mkdir -p -m 1777 "$root/tmp/.X11-unix"
# a display number no X server uses (their abstract sockets are shared with the host)
display=71
while grep -q "@/tmp/.X11-unix/X$display\b" /proc/net/unix; do display=$((display + 1)); done
# started without a shell function in between, so that $! is Xvfb itself
chroot --userspec="$uid:$gid" "$root" env -i HOME=/home/checker PATH=/usr/bin:/bin \
  Xvfb ":$display" -screen 0 1280x800x24 -nolisten tcp > "$last/xvfb.log" 2>&1 &
xvfb_pid=$!
for _ in $(seq 100); do [[ -S "$root/tmp/.X11-unix/X$display" ]] && break; sleep 0.1; done
[[ -S "$root/tmp/.X11-unix/X$display" ]] || fail "Xvfb did not start"
# One session: a session bus, the launch (the app writes its state lines to the
# file gio's output goes to), the wait for the window, a screenshot, and quit over
# D-Bus through the app's own action.
as_user env DISPLAY=":$display" DIGITS_TEST_MODE=1 DESKTOP=$desktop dbus-run-session -- sh -c '
  cd /
  gio launch "$DESKTOP" > /tmp/app.log 2>&1 || { echo "gio launch failed"; exit 1; }
  for i in $(seq 300); do
    grep -q "^MODEL loaded" /tmp/app.log && break
    grep -q "^MODEL error" /tmp/app.log && break
    sleep 0.1
  done
  grep "^MODEL" /tmp/app.log
  win=$(timeout 30 xdotool search --sync --onlyvisible --name "^Digits$" | head -1)
  echo "window $win: name=\"$(xdotool getwindowname "$win")\" $(xdotool getwindowgeometry "$win" | tr "\n" " ")"
  sleep 1
  xwd -root -silent > /tmp/app.xwd
  gdbus call --session --dest io.github.digits.Digits --object-path /io/github/digits/Digits \
    --method org.gtk.Actions.Activate quit "[]" "{}" > /dev/null
  for i in $(seq 100); do grep -q "^EXIT" /tmp/app.log && break; sleep 0.1; done
  grep "^EXIT" /tmp/app.log
' | tee "$last/app.txt" || true
cp "$root/tmp/app.log" "$last/app.log" 2>/dev/null || true
[[ -f "$root/tmp/app.xwd" ]] && convert "xwd:$root/tmp/app.xwd" "$last/app-window.png" \
  && say "Screenshot: $last/app-window.png"
grep -q '^MODEL loaded name=mnist_advanced .*path=/usr/share/digits/models/mnist_advanced.keras' "$last/app.txt" \
  || fail "the app did not load the default model (its output: $last/app.log)"
grep -q '^window [0-9]*: name="Digits"' "$last/app.txt" || fail "no Digits window appeared"
grep -q '^EXIT rc=0' "$last/app.txt" || fail "the app did not quit cleanly when asked over D-Bus"
say "Installed package checked: digits-cli info, digits-cli predict and the app from its desktop file"
