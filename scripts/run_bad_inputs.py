#!/usr/bin/python3
"""Runs the malformed-input corpus (scripts/make_bad_inputs.py) through the built tools.

    scripts/run_bad_inputs.py --calibra build/calibra --extract build/tests/bad_inputs/calibra_extract_check \
        [--dir .cache/bad_inputs] [--generate] [--sanitized] [--timeout 20] [--mem-mb 3072] [--filter SUBSTR]

Every case must: exit with its expected code (never a signal, never >= 128); for errors,
print exactly one line on stderr that starts "calibra: error:" and contains the expected
text (commands that draw progress on stderr may print lines before it; the error is the
last); finish within the timeout; stay within the memory bound (address space via
RLIMIT_AS in normal builds; in sanitizer builds, whose shadow memory reserves terabytes of
address space, peak RSS is checked instead); and, in sanitizer builds, print no sanitizer
report. Prints one line per failure and a summary; exits 1 when any case fails.
"""
import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROGRESS_COMMANDS = {"eval", "calibrate", "bench"}


def wait(p, timeout):
    """Waits for p with a timeout; returns stdout, stderr, exit code (-signal), its own peak RSS (MB), timed out."""
    bufs = {}
    readers = [threading.Thread(target=lambda k=k, f=f: bufs.__setitem__(k, f.read())) for k, f in (("out", p.stdout), ("err", p.stderr))]
    for t in readers:
        t.start()
    deadline, timed_out = time.time() + timeout, False
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid:
            break
        if time.time() > deadline:
            p.kill()
            pid, status, ru = os.wait4(p.pid, 0)
            timed_out = True
            break
        time.sleep(0.01)
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in readers:
        t.join()
    return bufs.get("out", b""), bufs.get("err", b""), p.returncode, ru.ru_maxrss >> 10, timed_out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--calibra", required=True)
    ap.add_argument("--extract", required=True, help="the archive extraction driver (calibra_extract_check)")
    ap.add_argument("--dir", default=os.path.join(ROOT, ".cache/bad_inputs"))
    ap.add_argument("--generate", action="store_true", help="(re)generate the corpus first")
    ap.add_argument("--sanitized", action="store_true", help="ASan/UBSan build: check RSS, not address space")
    ap.add_argument("--timeout", type=float, default=20)
    ap.add_argument("--mem-mb", type=int, default=3072)
    ap.add_argument("--filter", default="")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    a.calibra, a.extract, a.dir = os.path.abspath(a.calibra), os.path.abspath(a.extract), os.path.abspath(a.dir)

    if a.generate:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts/make_bad_inputs.py"), "--out", a.dir], check=True)
    with open(os.path.join(a.dir, "manifest.json")) as f:
        cases = [c for c in json.load(f)["cases"] if a.filter in c["id"]]

    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", "1")
    # Sanitizer reports must end the process with an exit code we recognise.
    env["ASAN_OPTIONS"] = "detect_leaks=1:abort_on_error=0:exitcode=86:" + env.get("ASAN_OPTIONS", "")
    env["UBSAN_OPTIONS"] = "print_stacktrace=1:halt_on_error=1:exitcode=87:" + env.get("UBSAN_OPTIONS", "")
    mem = a.mem_mb << 20

    def limits():
        if not a.sanitized:
            resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    failures = []
    t_start = time.time()
    work = tempfile.mkdtemp(prefix="calibra-bad-")
    for c in cases:
        tool = a.calibra if c["tool"] == "calibra" else a.extract
        args = [x.replace("{dir}", a.dir).replace("{src}", ROOT) for x in c["args"]]
        if c["tool"] == "extract":
            args = args[:1] + ["--dest", os.path.join(work, c["id"].replace("/", "_"))] + args[1:]
        t0 = time.time()
        p = subprocess.Popen([tool] + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**env, **c.get("env", {})},
                             preexec_fn=limits,
                             cwd=work)
        out, err, rc, rss_mb, timed_out = wait(p, a.timeout)
        secs = time.time() - t0
        err_text = err.decode(errors="replace")
        lines = [l for l in err_text.splitlines() if l.strip()]
        problems = []
        if timed_out:
            problems.append("timed out after %.0f s" % a.timeout)
        elif rc < 0 or rc >= 128:
            problems.append("crashed (exit %d)" % rc)
        elif rc in (86, 87) or "Sanitizer" in err_text or "runtime error:" in err_text:
            problems.append("sanitizer report")
        elif rc != c["exit"]:
            problems.append("exit %d, expected %d" % (rc, c["exit"]))
        if not timed_out and c["exit"] != 0:
            errs = [l for l in lines if l.startswith("calibra: error:")]
            cmd = c["args"][0] if c["tool"] == "calibra" and c["args"] else ""
            if len(errs) != 1:
                problems.append("%d 'calibra: error:' lines on stderr" % len(errs))
            elif lines[-1] != errs[0] or (cmd not in PROGRESS_COMMANDS and len(lines) != 1):
                problems.append("stderr is not one error line")
            elif c["expect"] not in errs[0]:
                problems.append("expected %r in the error" % c["expect"])
        if rss_mb > a.mem_mb:
            problems.append("peak RSS %d MB above %d MB" % (rss_mb, a.mem_mb))
        if problems:
            failures.append(c["id"])
            print("FAIL %-40s %s\n     stderr: %s" % (c["id"], "; ".join(problems), (lines[-1] if lines else "")[:300]))
        elif a.verbose:
            print("ok   %-40s %5.2fs %5d MB  %s" % (c["id"], secs, rss_mb, (lines[-1] if lines else "")[:200]))
    subprocess.run(["rm", "-rf", work])
    print("bad inputs: %d cases, %d passed, %d failed (%.0f s)" % (len(cases), len(cases) - len(failures), len(failures),
                                                                 time.time() - t_start))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
