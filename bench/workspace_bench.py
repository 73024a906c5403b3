#!/usr/bin/env python3
"""Cost of per-session workspace volumes (the disk quota), measured against plain directories in the same run.

Starts two servers (release build by default): one with the default quota (each workspace its own ext4 volume)
and one with `--workspace-quota-mb 0` (plain directories). Reports, for each, p50/p99 of session.create +
session.close one after the other, a burst of N creates without closing (the ready-volume pool runs dry, so
later creates wait for mkfs), and a 200 MB write in the sandbox; each as a ratio to the directory server.
Usage: bench/workspace_bench.py [--build release|debug] [-n 100]
"""
import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from session_bench import pct, start_server, wait_language  # noqa: E402
from cbclient import Client  # noqa: E402

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs", "bench.json")
WRITE = "head -c 209715200 /dev/zero > /workspace/big && rm /workspace/big"


def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def measure(url, n):
    c = Client(url)
    wait_language(c, "python")
    create = [], []
    for _ in range(n):
        sid = None

        def make():
            nonlocal sid
            sid = c.call("session.create", {"language": "python"})["sessionId"]
        create[0].append(timed(make))
        create[1].append(timed(lambda: c.call("session.close", {"sessionId": sid})))
    burst, sids = [], []
    for _ in range(n):
        burst.append(timed(lambda: sids.append(c.call("session.create", {"language": "python"})["sessionId"])))
    writes = []
    for _ in range(5):
        cmd = {"type": "execute_shell", "commandName": "sh", "args": ["-c", WRITE], "timeout": 60}
        writes.append(timed(lambda: c.execute(sids[0], cmd, timeout=120)))
    close_all = timed(lambda: [c.call("session.close", {"sessionId": s}) for s in sids]) / len(sids)
    quota = c.call("initialize")["limits"]["workspaceQuotaMB"]
    c.close()
    return {"create": create[0], "close": create[1], "burst": burst, "write": writes, "close_all": close_all,
            "quota": quota}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="release")
    ap.add_argument("-n", type=int, default=100)
    a = ap.parse_args()
    results = {}
    for name, extra in [("directories", ["--workspace-quota-mb", "0"]), ("volumes", [])]:
        with tempfile.TemporaryDirectory(prefix="cb-wsbench-") as root:
            os.chmod(root, 0o711)
            proc, url = start_server(a.build, ["--config", CONFIG, "--workspace-root", root, *extra])
            try:
                results[name] = measure(url, a.n)
            finally:
                proc.terminate()
                proc.wait()
    if results["volumes"]["quota"] is None:
        print("note: this machine cannot make workspace volumes; both servers used directories")
    base = results["directories"]
    print(f"{'what':56} {'p50 ms':>8} {'p99 ms':>8} {'vs dirs p50':>12}")
    for key, label in [("create", "session.create (then close)"), ("close", "session.close"),
                       ("burst", f"session.create, {a.n} in a row, none closed"),
                       ("write", "200 MB written in the sandbox")]:
        for name in ("directories", "volumes"):
            xs = results[name][key]
            ratio = pct(xs, 50) / pct(base[key], 50)
            print(f"{name + ': ' + label:56} {pct(xs, 50):8.2f} {pct(xs, 99):8.2f} {ratio:12.2f}")
    for name in ("directories", "volumes"):
        print(f"{name + ': session.close of the burst, mean':56} {results[name]['close_all']:8.2f}")


if __name__ == "__main__":
    main()
