#!/usr/bin/env python3
"""The runtimes driver (docs/runtimes.md), straight over its stdio protocol: the warm execute p50 of an interpreted
manifest language (Ruby) against spawning `ruby -e 0` in the same run, and a compiled one (C) cold against a
cached compile (each cold run compiles a source it has not seen; each cached one repeats the same source).

Usage: bench/runtimes_bench.py [-n N]    (manifests: Tests/Fixtures/runtimes/good; needs ruby and gcc)
"""
import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from bench_stats import pct, spawn_ms  # noqa: E402
from driver_client import Driver  # noqa: E402

C_HELLO = '#include <stdio.h>\nint main(void) { puts("%d"); return 0; }\n'


def driver_path():
    for c in ("release", "debug"):
        p = os.path.join(ROOT, ".build", c, "codebeaker-driver-runtimes")
        if os.path.exists(p):
            return p
    sys.exit("build codebeaker-driver-runtimes first")


def timed(d, session, code):
    t = time.perf_counter()
    r = d.call("execute", {"session": session, "code": code}, timeout=120)
    ms = (time.perf_counter() - t) * 1000
    assert "result" in r and r["result"]["exitCode"] == 0, r
    return ms, r["result"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=50)
    args = ap.parse_args()
    os.environ["CODEBEAKER_RUNTIMES_DIRS"] = os.path.join(ROOT, "Tests", "Fixtures", "runtimes", "good")
    d = Driver(driver_path())
    langs = {lang["name"]: lang for lang in d.handshake()["result"]["capabilities"]["languages"]}
    for name in ("ruby", "c"):
        if langs.get(name, {}).get("available") is False:
            sys.exit(f"{name} unavailable: {langs[name].get('unavailableReason')}")
    ws = tempfile.mkdtemp(prefix="cbbench-runtimes-")
    os.chown(ws, 1000, 1000)
    opts = {"uid": 1000, "gid": 1000}
    d.call("session.open", {"session": "rb", "workspace": ws, "language": "ruby", "options": opts})
    d.call("session.open", {"session": "c", "workspace": ws, "language": "c", "options": opts})
    timed(d, "rb", "puts 0")
    ruby = [timed(d, "rb", "puts 1")[0] for _ in range(args.n)]
    raw = spawn_ms(["ruby", "-e", "0"], max(10, args.n // 2))
    cold, cached = [], []
    for i in range(max(5, args.n // 5)):
        ms, r = timed(d, "c", C_HELLO % i)
        assert r["compileCached"] is False, r
        cold.append(ms)
        ms, r = timed(d, "c", C_HELLO % i)
        assert r["compileCached"] is True, r
        cached.append(ms)
    d.close()
    out = {
        "ruby": {"warmP50": round(pct(ruby, 50), 1), "rawSpawnP50": round(pct(raw, 50), 1)},
        "c": {"coldCompileP50": round(pct(cold, 50), 1), "cachedP50": round(pct(cached, 50), 1)},
    }
    print(f"ruby: warm execute p50 {out['ruby']['warmP50']} ms, raw `ruby -e 0` p50 {out['ruby']['rawSpawnP50']} ms")
    print(f"c:    cold compile+run p50 {out['c']['coldCompileP50']} ms, cached p50 {out['c']['cachedP50']} ms")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
