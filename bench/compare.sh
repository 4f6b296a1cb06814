#!/bin/sh
# The engine beside its peers, measured alternately in the same minutes (the
# machine is shared; identical runs move by 10-20%, so compare medians of runs
# made close together). Needs MNIST in data/mnist.
#   bench/compare.sh [BUILD_DIR] [ROUNDS] [torch|ort|all]   (from the project root)
# torch: PyTorch 1.13 (python3-torch), inference, one image and training;
#   prints the ratios the goals name: training >= 2x, inference >= 1.3x / 1.5x.
# ort: ONNX Runtime 1.30 (../shared/bench/ort, node and npm), inference at batch
#   sizes 32 ... 10000 and one image, at 1 and 2 threads, on the shipped models
#   exported by this build's digits-cli export (so both run the same weights);
#   goal: >= 1.3x its throughput and a one-image latency no worse than its.
# all (default): both, PyTorch first.
set -eu
build=${1:-build}
rounds=${2:-1}
peers=${3:-all}
cli="$build/src/cli/digits-cli"
peer=../shared/bench/torch_peer.py
ort=../shared/bench/ort
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
[ -x "$cli" ] || { echo "compare.sh: $cli not built (ninja -C $build)" >&2; exit 1; }
case $peers in torch|ort|all) ;; *) echo "compare.sh: peers are torch, ort or all" >&2; exit 2;; esac

# ONNX Runtime beside the engine: its own alternating script, on this build's
# exports of the shipped models (the .onnx files beside the script may be older).
compare_ort() {
  command -v node >/dev/null || { echo "compare.sh: node missing: apt-get install nodejs npm" >&2; exit 1; }
  [ -f "$ort/run.sh" ] || { echo "compare.sh: $ort/run.sh not found" >&2; exit 1; }
  mkdir -p "$out/onnx"
  for a in cnn advanced; do
    "$cli" export "models/mnist_$a.keras" "$out/onnx/mnist_$a.onnx" >/dev/null
  done
  cp "$ort/models/null.onnx" "$out/onnx/"
  MAIN=. DIGITS_CLI="$cli" ONNX_DIR="$out/onnx" OUT="$out/ort" sh "$ort/run.sh" "$rounds"
}
export GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=1073741824
export MNIST_DIR=${MNIST_DIR:-data/mnist}
if [ "$peers" = ort ]; then
  compare_ort
  exit 0
fi
/usr/bin/python3 -c 'import torch' 2>/dev/null || {
  echo "compare.sh: PyTorch missing: apt-get install python3-torch" >&2; exit 1; }

threads=${THREADS:-"1 2"}
r=1
while [ "$r" -le "$rounds" ]; do
  for a in cnn advanced; do
    for t in $threads; do
      echo "round $r: PyTorch $a, $t thread(s) ..." >&2
      for f in nchw cl; do
        /usr/bin/python3 "$peer" bench -t "$t" --blas-threads 1 -a "$a" -f "$f" \
          --wait-budget 60 --json "$out/peer.jsonl" >/dev/null
      done
      echo "round $r: engine $a, $t thread(s) ..." >&2
      "$cli" bench --arch "$a" --random-weights --threads "$t" >>"$out/engine-$a-$t.txt"
      "$cli" bench --train --arch "$a" --threads "$t" >>"$out/train-$a-$t.txt"
    done
  done
  r=$((r + 1))
done

/usr/bin/python3 - "$out" "$threads" <<'PY'
import json, os, re, statistics, sys
out, threads = sys.argv[1], [int(t) for t in sys.argv[2].split()]
def med(v):
    return statistics.median(v) if v else float("nan")
def val(x):
    return x["median"] if isinstance(x, dict) else x
peer = {}
for line in open(os.path.join(out, "peer.jsonl")):
    j = json.loads(line)
    p = peer.setdefault((j["arch"], j["threads"]), {"infer": [], "lat": [], "train": []})
    p["infer"].append(val(j["infer_img_s"]))
    p["lat"].append(val(j["latency_us"]))
    p["train"].append(val(j["train_img_s"]))
print(f"{'':13} {'inference img/s':>26} {'one image µs':>26} {'training img/s':>26} {'FMA':>6}")
print(f"{'model':13} {'engine':>8} {'peer':>8} {'ratio':>8} {'engine':>8} {'peer':>8} {'ratio':>8} "
      f"{'engine':>8} {'peer':>8} {'ratio':>8} {'peak':>6}")
for a in ("cnn", "advanced"):
    for t in threads:
        e_inf, e_cpu, e_lat, e_tr, e_peak = [], [], [], [], []
        for line in open(os.path.join(out, f"engine-{a}-{t}.txt")):
            m = re.match(rf"{a}\s+(\d+)\s+\d+\s+[\d.]+x\s+(\d+)\s+(\d+) µs", line)
            if m:
                e_inf.append(float(m.group(1))); e_cpu.append(float(m.group(2)))
                e_lat.append(float(m.group(3)))
        for line in open(os.path.join(out, f"train-{a}-{t}.txt")):
            m = re.match(rf"{a}\s+(\d+)\s.*\s(\d+)%$", line.rstrip())
            if m:
                e_tr.append(float(m.group(1))); e_peak.append(float(m.group(2)))
        # the peer at its best configuration (nchw or channels-last)
        p = peer.get((a, t), {"infer": [], "lat": [], "train": []})
        pi, pl, pt = max(p["infer"], default=float("nan")), min(p["lat"], default=float("nan")), \
            max(p["train"], default=float("nan"))
        ei, el, et = med(e_inf), med(e_lat), med(e_tr)
        name = f"{a}, {t}t"
        print(f"{name:13} {ei:8.0f} {pi:8.0f} {ei / pi:7.2f}x {el:8.0f} {pl:8.0f} {pl / el:7.2f}x "
              f"{et:8.0f} {pt:8.0f} {et / pt:7.2f}x {med(e_peak):5.0f}%")
print("FMA peak: share of the peak measured by bench --train at that thread count.")
print(f"load average at the end: {os.getloadavg()[0]:.1f}")
PY
if [ "$peers" = all ]; then
  compare_ort
fi
