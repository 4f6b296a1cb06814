#!/usr/bin/env python3
"""Cross-checks nn-perturb.c against scipy.ndimage and OpenCV, the libraries the
original project used, on random and digit-like arrays. Skips (TAP "1..0 # SKIP") when scipy is
missing. Usage: test-perturb-scipy.py PATH/TO/perturb-tool"""
import os
import subprocess
import sys

try:
    import numpy as np
    import scipy.ndimage as ndi
except ImportError:
    # A pyenv or venv python first on PATH may lack Debian's python3-scipy.
    if sys.executable != "/usr/bin/python3" and os.path.exists("/usr/bin/python3") \
            and not os.environ.get("PERTURB_REEXEC"):
        os.environ["PERTURB_REEXEC"] = "1"
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("1..0 # SKIP scipy is not installed (apt-get install python3-scipy)")
    sys.exit(0)

try:
    import cv2
except ImportError:
    cv2 = None

tool = sys.argv[1]


def run(kind, severity, img):
    h, w = img.shape
    res = subprocess.run([tool, kind, repr(severity), str(h), str(w)],
                         input=img.astype(np.float32).tobytes(), capture_output=True, check=True)
    return np.frombuffer(res.stdout, dtype=np.float32).reshape(h, w)


def thicken_ref(img, k):
    u8 = np.rint(np.clip(img, 0, 1) * 255).astype(np.uint8)
    if cv2 is not None:
        d = cv2.dilate(u8, np.ones((k, k), np.uint8))
    else:
        # maximum_filter centres a k x k footprint at k // 2, as OpenCV's default
        # anchor does (grey_dilation mirrors even footprints, so it differs).
        d = ndi.maximum_filter(u8, footprint=np.ones((k, k), bool), mode="constant", cval=0)
    return d.astype(np.float32) / 255.0


rng = np.random.default_rng(5)
images = [rng.random((28, 28), dtype=np.float32)]
digit = np.zeros((28, 28), np.float32)
digit[6:22, 12:16] = 1.0          # a stroke
digit[6:9, 9:16] = 0.7
digit[21:23, 8:20] = np.linspace(0.2, 1.0, 12)
images.append(digit)
images.append(rng.random((7, 11), dtype=np.float32))   # odd sizes, kernel wider than the image
images.append(np.rint(rng.random((28, 28)) * 255).astype(np.float32) / 255)

cases = []
for s in (0.8, 1.2, 1.6):
    cases.append(("blur", s, lambda x, s=s: ndi.gaussian_filter(x, s)))
for a in (10, 15, 20, -7.5):
    cases.append(("rotation", a, lambda x, a=a: ndi.rotate(x, a, reshape=False, order=1, mode="nearest")))
for d in (2, 3, 1.5):
    cases.append(("shift", d, lambda x, d=d: ndi.shift(x, (d, d), order=1, mode="nearest")))
for k in (2, 3, 4):
    cases.append(("thickening", k, lambda x, k=k: thicken_ref(x, k)))

failed = 0
n = 0
print(f"1..{len(cases) * len(images)}")
for kind, sev, ref in cases:
    for i, img in enumerate(images):
        n += 1
        got = run(kind, sev, img)
        want = ref(img.copy()).astype(np.float32)
        err = float(np.max(np.abs(got - want)))
        ok = err <= 2e-6
        failed += not ok
        print(f"{'ok' if ok else 'not ok'} {n} {kind} {sev} image {i} {img.shape}: max |diff| {err:.2e}")
print(f"# thickening reference: {'cv2.dilate' if cv2 is not None else 'scipy grey_dilation'}")
sys.exit(1 if failed else 0)
