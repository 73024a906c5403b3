#!/usr/bin/env python3
"""install_packages: the first session installing a pip package (cold shared wheel cache: the trusted fetch
downloads from the index) vs a second session installing the same package (served from the read-only cache),
in the same run, against a fresh cache directory. Target: second >= 5x faster than the first.

Every round uses a new cache dir, so each "first" is really cold. Reports per-package times and the median
ratio. Usage: bench/packages_bench.py [--build debug|release] [--rounds 3] [--packages six requests]
Needs network to the package index.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from cbclient import Client  # noqa: E402


def start_server(build, cache_dir, workspace_root):
    binary = os.path.join(ROOT, ".build", build, "codebeaker")
    env = dict(os.environ, CODEBEAKER_PACKAGE_CACHE=cache_dir)
    proc = subprocess.Popen([binary, "--port", "0", "--log-level", "warning", "--workspace-root", workspace_root,
                             "--drivers-dir", os.path.join(ROOT, ".build", build)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    line = proc.stdout.readline()
    port = int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    return proc, f"ws://127.0.0.1:{port}/ws/jsonrpc"


def timed_install(client, package):
    sid = client.session("python", runtimeType="Python")
    t = time.perf_counter()
    r = client.execute(sid, {"type": "install_packages", "packages": [package]}, timeout=300)
    ms = (time.perf_counter() - t) * 1000
    assert r["success"], r
    check = client.execute(sid, {"type": "execute_code", "code": f"import {package.split('=')[0]}; print('ok')"})
    assert check["result"]["stdout"] == "ok\n", check
    client.request("session.close", {"sessionId": sid})
    return ms, r["result"].get("cache")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="debug")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--packages", nargs="+", default=["six==1.17.0", "requests"])
    a = ap.parse_args()
    ratios = []
    for pkg in a.packages:
        firsts, seconds = [], []
        for _ in range(a.rounds):
            tmp = tempfile.mkdtemp(prefix="cb-pkgbench-")
            os.chmod(tmp, 0o755)
            ws = os.path.join(tmp, "ws")
            os.makedirs(ws)
            os.chmod(ws, 0o711)
            proc, url = start_server(a.build, os.path.join(tmp, "cache"), ws)
            try:
                time.sleep(0.5)
                c = Client(url)
                f, fc = timed_install(c, pkg)
                s, sc = timed_install(c, pkg)
                c.close()
            finally:
                proc.terminate()
                proc.wait(timeout=15)
                shutil.rmtree(tmp, ignore_errors=True)
            assert fc == sc == "shared", (fc, sc)
            firsts.append(f)
            seconds.append(s)
        ratio = statistics.median(firsts) / statistics.median(seconds)
        ratios.append(ratio)
        print(f"{pkg:16s} first session {statistics.median(firsts):7.0f} ms  second session "
              f"{statistics.median(seconds):6.0f} ms  ratio {ratio:4.1f}x  (medians of {a.rounds}; "
              f"first {[round(x) for x in firsts]}, second {[round(x) for x in seconds]})")
    print(f"median ratio {statistics.median(ratios):.1f}x (target >= 5x)")


if __name__ == "__main__":
    main()
