#!/usr/bin/python3
"""Checks that a calibrated .keras file holds its original's last Dense layer divided
by the temperature, and every other weight unchanged, reading both the way Keras
does (zipfile, json, h5py).

Usage: check-calibrated.py ORIGINAL CALIBRATED TEMPERATURE
Exits 77 (skip) when h5py is not installed.
"""
import io
import json
import sys
import zipfile

try:
    import h5py
    import numpy as np
except ImportError:
    print("h5py is not installed; skipping")
    sys.exit(77)


def load(path):
    z = zipfile.ZipFile(path)
    config = json.loads(z.read("config.json"))
    h5 = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
    weights = {}
    h5.visititems(lambda name, obj: weights.__setitem__(name, np.array(obj))
                  if isinstance(obj, h5py.Dataset) else None)
    return config, weights


orig_config, orig = load(sys.argv[1])
cal_config, cal = load(sys.argv[2])
t = float(sys.argv[3])
dense = [l["config"]["name"] for l in cal_config["config"]["layers"] if l["class_name"] == "Dense"]
last = "layers/" + dense[-1] + "/"
failures = []
if sorted(orig) != sorted(cal):
    failures.append("the weight datasets differ")
for name in sorted(orig):
    want = orig[name] / t if name.startswith(last) else orig[name]
    if not np.allclose(cal[name], want, rtol=1e-6, atol=1e-30):
        failures.append(f"{name}: not the {'scaled' if name.startswith(last) else 'same'} values")
scaled = [n for n in orig if n.startswith(last)]
if len(scaled) == 0:
    failures.append(f"no weights under {last}")
for f in failures:
    print("FAIL:", f)
print(f"{len(scaled)} arrays of {dense[-1]} divided by {t}, {len(orig) - len(scaled)} unchanged")
sys.exit(1 if failures else 0)
