#!/usr/bin/env python3
"""test-hostile.py: every file of tests/io/hostile (and the big ones, made here)
through digits-cli, as a user would run it. See tests/io/hostile/README.md.

For every run: no signal (exit status below 128), done within 20 s, at most 600 MB
(an address-space limit in plain builds; ASan's allocation and RSS limits under
-Db_sanitize, where an address-space limit cannot work), no raw terminal escape in
the output, no sanitizer report. Then, per case, either a clear error (non-zero
exit, a message naming the file) or, where loading is allowed, a sane result (exit
0, no NaN, valid JSON for --json). Output is TAP.
"""
import glob
import json
import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time

CLI = os.environ["DIGITS_CLI"]
SOURCE = os.environ["DIGITS_SOURCE_DIR"]
SANITIZED = os.environ.get("DIGITS_SANITIZE", "none") not in ("", "none")
HOSTILE = os.path.join(SOURCE, "tests", "io", "hostile")
LIMIT_MB = 600
TIMEOUT_S = 20
# Non-finite numbers as printf writes them (nan, -nan, inf, NAN, INF): an answer. The
# word "NaN" in an error message that explains the refusal is not one.
NAN = re.compile(rb"(?<![A-Za-z])[-+]?(nan|NAN|inf|INF)(?![A-Za-z])")

sys.path.insert(0, HOSTILE)
import importlib.util  # noqa: E402
_spec = importlib.util.spec_from_file_location("make_hostile", os.path.join(HOSTILE, "make-hostile.py"))
make_hostile = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(make_hostile)


def limit_memory():
    os.setsid()
    if not SANITIZED:
        limit = LIMIT_MB << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def run(args):
    """Runs digits-cli; returns (status, output bytes, max RSS in MB, seconds)."""
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", LC_ALL="C.UTF-8")
    if SANITIZED:
        env["ASAN_OPTIONS"] = ("allocator_may_return_null=1:max_allocation_size_mb=%d:"
                               "hard_rss_limit_mb=%d:quarantine_size_mb=16:detect_leaks=0"
                               % (LIMIT_MB, LIMIT_MB + 300))
    out = tempfile.TemporaryFile()
    start = time.monotonic()
    p = subprocess.Popen([CLI] + args, stdout=out, stderr=subprocess.STDOUT, env=env,
                         preexec_fn=limit_memory)
    timed_out = False
    while True:
        pid, status, usage = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() - start > TIMEOUT_S:
            os.killpg(p.pid, signal.SIGKILL)
            timed_out = True
        time.sleep(0.02)
    p.returncode = 0  # reaped by wait4
    seconds = time.monotonic() - start
    out.seek(0)
    text = out.read()
    code = os.waitstatus_to_exitcode(status)
    if timed_out:
        code = "timeout"
    return code, text, usage.ru_maxrss / 1024, seconds


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def check(self, name, args, expect, needle):
        """expect: 'error' (must fail clearly), 'ok' (must work), 'any' (either,
        but a success must be sane). needle: what the message must name."""
        code, text, rss, secs = run(args)
        problems = []
        if code == "timeout":
            problems.append("still running after %d s" % TIMEOUT_S)
        elif code < 0 or code >= 128:
            problems.append("killed by signal %d" % (-code if code < 0 else code - 128))
        if rss > LIMIT_MB and not SANITIZED:
            problems.append("used %.0f MB (limit %d)" % (rss, LIMIT_MB))
        if b"\x1b" in text:
            problems.append("a raw escape character reached the terminal")
        if b"Sanitizer" in text or b"runtime error:" in text:
            problems.append("a sanitizer report")
        if NAN.search(text):
            problems.append("a non-finite number in the output")
        if isinstance(code, int) and 0 <= code < 128:
            if expect == "error" and code == 0:
                problems.append("exit status 0, but this file must be refused")
            if expect == "ok" and code != 0:
                problems.append("exit status %d, but this must work" % code)
            if code != 0 and needle.encode() not in text:
                problems.append("the message does not name the file (%s)" % needle)
            if code == 0 and "--json" in args:
                try:
                    json.loads(text, parse_constant=lambda c: int("not a number: " + c))
                except ValueError as e:
                    problems.append("--json printed invalid JSON (%s)" % e)
        self.n += 1
        status = "ok" if not problems else "not ok"
        print("%s %d - %s (exit %s, %.0f MB, %.1f s)%s" % (
            status, self.n, name, code, rss, secs, "" if not problems else " # " + "; ".join(problems)))
        if problems:
            self.failed += 1
            for line in text.decode("utf-8", "backslashreplace").splitlines()[-6:]:
                print("#   " + line.encode("unicode_escape").decode()[:200])
        sys.stdout.flush()


def main():
    tmp = tempfile.mkdtemp(prefix="digits-hostile-")
    try:
        failed = tests(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    sys.exit(1 if failed else 0)


def tests(tmp):
    tap = Tap()
    baseline = os.path.join(SOURCE, "models", "mnist_baseline.keras")
    seven = os.path.join(SOURCE, "tests", "fuzz", "corpus", "image", "seven-grey.png")
    # Made here: the files too big to commit, and the names with escapes.
    make_hostile.weights_padded_1gib(os.path.join(tmp, "weights-padded-1gib.keras"))
    idx_dir = os.path.join(tmp, "idx-1.3m")
    os.makedirs(idx_dir)
    make_hostile.idx_1_3m(os.path.join(idx_dir, "t10k-images-idx3-ubyte.gz"),
                          os.path.join(idx_dir, "t10k-labels-idx1-ubyte.gz"))
    scans = os.path.join(HOSTILE, "progressive-2112-scans.jpg")
    data_dir = os.path.join(tmp, "digits")
    os.makedirs(os.path.join(data_dir, "7"))
    shutil.copy(seven, os.path.join(data_dir, "7", "seven.png"))
    escape = "evil-\x1b[2J\x1b]0;owned\x07-"
    esc_model = os.path.join(tmp, escape + "model.keras")
    esc_broken = os.path.join(tmp, escape + "broken.keras")
    esc_image = os.path.join(tmp, escape + "image.png")
    shutil.copy(baseline, esc_model)
    shutil.copy(seven, esc_image)
    with open(esc_broken, "wb") as f:
        f.write(b"PK\x03\x04 not really a zip")

    # The harness itself: real models and images pass under the same limits.
    tap.check("control: info", ["info", baseline], "ok", "")
    tap.check("control: predict", ["predict", baseline, seven], "ok", "")

    def model_cases(path, info, predict):
        name = os.path.basename(path)
        tap.check(name + ": info", ["info", path], info, name)
        tap.check(name + ": predict", ["predict", path, seven], predict, name)
        tap.check(name + ": predict --json", ["predict", "--json", path, seven], predict, name)

    crashers = sorted(glob.glob(os.path.join(HOSTILE, "hdf5-crash-*.keras")))
    for crasher in crashers:
        model_cases(crasher, "error", "error")
    if not crashers:
        tap.n += 1
        tap.failed += 1
        print("not ok %d - no hdf5-crash-*.keras in %s" % (tap.n, HOSTILE))
    model_cases(os.path.join(HOSTILE, "float-size-4gib.keras"), "error", "error")
    model_cases(os.path.join(HOSTILE, "config-63mb.keras"), "error", "error")
    model_cases(os.path.join(tmp, "weights-padded-1gib.keras"), "error", "error")
    model_cases(os.path.join(HOSTILE, "chunk-inflates-1gib.keras"), "any", "any")
    model_cases(os.path.join(HOSTILE, "thousand-layers.keras"), "any", "any")
    huge = os.path.join(HOSTILE, "huge-weights.keras")
    model_cases(huge, "any", "error")
    tap.check("huge-weights.keras: evaluate --data",
              ["evaluate", huge, "--data", data_dir], "error", "huge-weights.keras")
    tap.check("progressive-2112-scans.jpg: predict", ["predict", baseline, scans], "error",
              "progressive-2112-scans.jpg")
    tap.check("idx-1.3m: evaluate --mnist", ["evaluate", baseline, "--mnist", idx_dir],
              "error", "t10k-images-idx3-ubyte.gz")
    tap.check("escape name: info", ["info", esc_model], "ok", "")
    tap.check("escape name: info, broken", ["info", esc_broken], "error", "broken.keras")
    tap.check("escape name: predict", ["predict", baseline, esc_image], "ok", "")
    print("1..%d" % tap.n)
    return tap.failed


if __name__ == "__main__":
    main()
