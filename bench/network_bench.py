#!/usr/bin/env python3
"""Cost of an isolated network per session: session.create (+ first print, which waits for the warm runner)
with `network: true` (own namespace, prohibit routes, slirp4netns) against `network: false`, one server.
Usage: bench/network_bench.py [--build release|debug] [-n 30] [--language python]
"""
import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from session_bench import pct, start_server, wait_language  # noqa: E402
from cbclient import Client  # noqa: E402


def measure(c, language, network, n):
    create, first = [], []
    for _ in range(n):
        t = time.perf_counter()
        sid = c.call("session.create", {"language": language, "network": network})["sessionId"]
        create.append((time.perf_counter() - t) * 1000)
        t = time.perf_counter()
        c.call("session.execute", {"sessionId": sid, "command": {"type": "execute_code", "code": "print(1)"}})
        first.append((time.perf_counter() - t) * 1000)
        c.call("session.close", {"sessionId": sid})
    return create, first


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="debug")
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--language", default="python")
    a = ap.parse_args()
    os.environ["CODEBEAKER_NETWORK_PRINCIPALS"] = "anonymous"
    ws = tempfile.mkdtemp(prefix="cb-netbench-")
    os.chmod(ws, 0o711)
    proc, url = start_server(a.build, ["--workspace-root", ws])
    try:
        c = Client(url)
        wait_language(c, a.language)
        measure(c, a.language, False, 3)  # warm-up
        rows = {}
        for net in (False, True, False, True):  # interleaved, so machine load hits both alike
            cr, fi = measure(c, a.language, net, a.n // 2)
            rows.setdefault(net, ([], []))
            rows[net][0].extend(cr)
            rows[net][1].extend(fi)
        for net in (False, True):
            cr, fi = rows[net]
            print(f"network={str(net).lower():5s} session.create p50 {statistics.median(cr):6.1f} ms p90 {pct(cr, 90):6.1f} ms"
                  f" | first print p50 {statistics.median(fi):6.1f} ms  (n={len(cr)})")
        c.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)


if __name__ == "__main__":
    main()
