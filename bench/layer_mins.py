#!/usr/bin/python3
"""Training-step CPU time per layer, robust to a busy machine.

Runs nn-layer-bench (one thread, batch 128) several times, alternating between
the builds given, and keeps per layer the minimum of its forward and backward
thread-CPU times: a burst of contention inflates some runs, rarely the same
layer in all of them. Prints the per-layer minima, their sum, and the min and
median of the whole training step.

  bench/layer_mins.py ARCH RUNS NN_LAYER_BENCH [NN_LAYER_BENCH ...]
  e.g. bench/layer_mins.py advanced 4 /tmp/old/bench/nn-layer-bench build/bench/nn-layer-bench
"""
import collections
import os
import re
import subprocess
import sys

arch, runs, bins = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
env = dict(os.environ, OPENBLAS_NUM_THREADS="1")
best = {b: collections.OrderedDict() for b in bins}
step = {b: [] for b in bins}
for _ in range(runs):
    for b in bins:
        out = subprocess.run(["nice", "-n", "19", b, arch, "128", "6"], capture_output=True,
                             text=True, env=env, check=True).stdout
        part = out.split("training step:")[1]
        step[b].append(float(part.split()[0]))
        for line in part.splitlines()[2:]:
            m = re.match(r"\s+(\S+)\s+([\d.]+) µs\s+([\d.]+) µs", line)
            if m:
                f, bw = float(m.group(2)), float(m.group(3))
                o = best[b].get(m.group(1), (1e9, 1e9))
                best[b][m.group(1)] = (min(o[0], f), min(o[1], bw))
print("%-24s" % "µs/img fwd bwd" + "".join("%22s" % os.path.basename(os.path.dirname(b)) for b in bins))
for k in best[bins[0]]:
    print("%-24s" % k + "".join("%10.2f %10.2f " % best[b][k] for b in bins))
print("%-24s" % "sum of minima" + "".join("%21.1f " % sum(map(sum, best[b].values())) for b in bins))
print("%-24s" % "step min, median" + "".join(
    "%10.1f %10.1f " % (min(step[b]), sorted(step[b])[len(step[b]) // 2]) for b in bins))
