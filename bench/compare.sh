#!/bin/sh
# The engine beside the PyTorch 1.13 peer, measured alternately in the same minutes
# (the machine is shared; identical runs move by 10-20%, so compare medians of
# runs made close together). Needs python3-torch and MNIST in data/mnist.
#   bench/compare.sh [BUILD_DIR] [ROUNDS]      (from the project root)
# Prints the peer's and the engine's figures and the ratios the issues ask for:
# inference >= 1.3x (cnn) / 1.5x (advanced), one image < 150 µs, training >= 1.5x / 2x.
set -eu
build=${1:-build}
rounds=${2:-1}
cli="$build/src/cli/digits-cli"
peer=../shared/bench/torch_peer.py
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -x "$cli" ] || { echo "compare.sh: $cli not built (ninja -C $build)" >&2; exit 1; }
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "compare.sh: PyTorch missing: apt-get install python3-torch" >&2; exit 1; }
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824
export MNIST_DIR=${MNIST_DIR:-data/mnist}

r=1
while [ "$r" -le "$rounds" ]; do
  for a in cnn advanced; do
    echo "round $r: PyTorch $a ..." >&2
    for f in nchw cl; do
      /usr/bin/python3 "$peer" bench -t 2 --blas-threads 1 -a "$a" -f "$f" \
        --wait-budget 60 --json "$out/peer.jsonl" >/dev/null
    done
    echo "round $r: engine $a ..." >&2
    "$cli" bench --arch "$a" --random-weights --threads 2 >>"$out/engine-$a.txt"
    "$cli" bench --train --arch "$a" --threads 2 >>"$out/train-$a.txt"
  done
  r=$((r + 1))
done

/usr/bin/python3 - "$out" <<'PY'
import json, os, re, statistics, sys
out = sys.argv[1]
def med(v):
    return statistics.median(v) if v else float("nan")
def val(x):
    return x["median"] if isinstance(x, dict) else x
peer = {}
for line in open(os.path.join(out, "peer.jsonl")):
    j = json.loads(line)
    p = peer.setdefault(j["arch"], {"infer": [], "lat": [], "train": []})
    p["infer"].append(val(j["infer_img_s"]))
    p["lat"].append(val(j["latency_us"]))
    p["train"].append(val(j["train_img_s"]))
print(f"{'':9} {'inference img/s':>26} {'one image µs':>26} {'training img/s':>26}")
print(f"{'model':9} {'engine':>8} {'peer':>8} {'ratio':>8} {'engine':>8} {'peer':>8} {'ratio':>8} "
      f"{'engine':>8} {'peer':>8} {'ratio':>8}")
for a in ("cnn", "advanced"):
    e_inf, e_cpu, e_lat, e_tr = [], [], [], []
    for line in open(os.path.join(out, f"engine-{a}.txt")):
        m = re.match(rf"{a}\s+(\d+)\s+\d+\s+[\d.]+x\s+(\d+)\s+(\d+) µs", line)
        if m:
            e_inf.append(float(m.group(1))); e_cpu.append(float(m.group(2)))
            e_lat.append(float(m.group(3)))
    for line in open(os.path.join(out, f"train-{a}.txt")):
        m = re.match(rf"{a}\s+(\d+)\s", line)
        if m:
            e_tr.append(float(m.group(1)))
    # the peer at its best configuration (nchw or channels-last)
    p = peer.get(a, {"infer": [], "lat": [], "train": []})
    pi, pl, pt = max(p["infer"], default=float("nan")), min(p["lat"], default=float("nan")), \
        max(p["train"], default=float("nan"))
    ei, el, et = med(e_inf), med(e_lat), med(e_tr)
    print(f"{a:9} {ei:8.0f} {pi:8.0f} {ei / pi:7.2f}x {el:8.0f} {pl:8.0f} {pl / el:7.2f}x "
          f"{et:8.0f} {pt:8.0f} {et / pt:7.2f}x")
    print(f"{'':9} engine inference by CPU time (cores to itself): {med(e_cpu):.0f} img/s")
print(f"load average at the end: {os.getloadavg()[0]:.1f}")
PY
