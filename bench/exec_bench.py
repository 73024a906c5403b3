#!/usr/bin/env python3
"""Warm `execute` latency of the python and node drivers, driven directly over stdio (no host, no WebSocket),
as a ratio to spawning the bare interpreter (`python3 -c pass`, `node -e 0`) measured in the same run.

    python3 bench/exec_bench.py [--build-dir .build/release] [-n 300]

Also reports session.open -> first execution done (a cold runner) per driver.
"""
import argparse, os, statistics, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import driver_client  # noqa: E402
from bench_stats import pct, spawn_ms  # noqa: E402


def workspace(uid):
    d = tempfile.mkdtemp(prefix="cb-bench-")
    os.chown(d, uid, uid)
    return d


def bench_driver(path, code, n, uid):
    d = driver_client.Driver(path)
    d.handshake()
    ws = workspace(uid)
    opts = {"uid": uid, "gid": uid}
    t = time.perf_counter()
    d.call("session.open", {"session": "bench", "workspace": ws, "options": opts})
    r = d.call("execute", {"session": "bench", "code": code})
    cold = (time.perf_counter() - t) * 1000
    assert r["result"]["stdout"] == "1\n", r
    for _ in range(20):  # warm up
        d.call("execute", {"session": "bench", "code": code})
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        r = d.call("execute", {"session": "bench", "code": code})
        ts.append((time.perf_counter() - t) * 1000)
        assert r["result"]["stdout"] == "1\n", r
    opens = []
    for i in range(10):
        t = time.perf_counter()
        d.call("session.open", {"session": "open%d" % i, "workspace": ws, "options": opts})
        opens.append((time.perf_counter() - t) * 1000)
        d.call("session.close", {"session": "open%d" % i})
    d.call("session.close", {"session": "bench"})
    d.close()
    os.rmdir(ws) if not os.listdir(ws) else None
    return ts, cold, opens


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", default=os.path.join(os.path.dirname(__file__), "..", ".build", "release"))
    ap.add_argument("-n", type=int, default=300)
    ap.add_argument("--uid", type=int, default=100777)
    a = ap.parse_args()
    print("load average: %s" % open("/proc/loadavg").read().split()[:3])
    rows = [("python", "print(1)", ["/usr/bin/python3", "-c", "pass"]),
            ("node", "console.log(1)", ["/usr/bin/node", "-e", "0"])]
    for name, code, raw in rows:
        path = os.path.join(a.build_dir, "codebeaker-driver-" + name)
        base = spawn_ms(raw, 30)
        ts, cold, opens = bench_driver(path, code, a.n, a.uid)
        b50 = statistics.median(base)
        print("%-6s warm execute %-16s p50 %6.2f ms  p99 %6.2f ms | raw `%s` spawn p50 %6.1f ms | ratio p50 %.3f"
              % (name, code, pct(ts, 50), pct(ts, 99), " ".join(raw[1:]) and " ".join([os.path.basename(raw[0])] + raw[1:]),
                 b50, pct(ts, 50) / b50))
        print("%-6s session.open reply p50 %.1f ms; open -> first result (cold runner) %.1f ms" % (name, pct(opens, 50), cold))


if __name__ == "__main__":
    main()
