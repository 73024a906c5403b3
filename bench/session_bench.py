#!/usr/bin/env python3
"""Session benchmarks over a real WebSocket against a running codebeaker (release build by default).

Reports p50/p99 of session.create and of warm execute_code (print(1) / console.log(1)) per language,
each as a ratio to a raw interpreter spawn (`python3 -c pass`, `node -e 0`) measured in the same run,
because these machines are noisy. Usage: bench/session_bench.py [--build release|debug] [-n 200]
`--compare DIR` also starts the codebeaker in DIR (e.g. an older release build) and measures both,
alternating sample by sample, adding their ratio (this build / the other) to each row.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from cbclient import Client  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_stats import pct, spawn_ms  # noqa: E402


def start_server(build, extra, build_dir=None):
    binary = os.path.join(build_dir or os.path.join(ROOT, ".build", build), "codebeaker")
    root = tempfile.mkdtemp(prefix="cb-bench-")  # each server its own workspace root (and root lock)
    os.chmod(root, 0o711)
    proc = subprocess.Popen([binary, "--port", "0", "--log-level", "warning", "--workspace-root", root, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    port = int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    return proc, f"ws://127.0.0.1:{port}/ws/jsonrpc"


def wait_language(c, language, timeout=30):
    deadline = time.time() + timeout
    while time.time() < deadline:
        langs = [l["language"] for l in c.call("language.list")["languages"]]
        if language in langs:
            return True
        time.sleep(0.1)
    return False


def bench_language(clients, language, code, n, runtime=None):
    """Creates and warm executes on every client's server, alternating sample by sample so that drift in a
    noisy machine falls on all of them alike. Returns one (creates, execs) pair per client."""
    params = {"language": language}
    if runtime:
        params["runtimeType"] = runtime
    creates = [[] for _ in clients]
    for _ in range(max(10, n // 10)):
        for i, c in enumerate(clients):
            t = time.perf_counter()
            sid = c.call("session.create", params)["sessionId"]
            creates[i].append((time.perf_counter() - t) * 1000)
            c.call("session.close", {"sessionId": sid})
    sids = [c.call("session.create", params)["sessionId"] for c in clients]
    cmd = {"type": "execute_code", "code": code}
    for c, sid in zip(clients, sids):
        for _ in range(5):
            r = c.execute(sid, cmd)
            assert r["success"], r
    execs = [[] for _ in clients]
    for _ in range(n):
        for i, (c, sid) in enumerate(zip(clients, sids)):
            t = time.perf_counter()
            r = c.execute(sid, cmd)
            execs[i].append((time.perf_counter() - t) * 1000)
            assert r["result"]["stdout"] == "1\n", r
    for c, sid in zip(clients, sids):
        c.call("session.close", {"sessionId": sid})
    return list(zip(creates, execs))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="release")
    ap.add_argument("-n", type=int, default=200)
    ap.add_argument("--languages", default="python,javascript:NodeJs,javascript:Bun,typescript:Deno",
                    help="comma-separated language[:runtimeType]")
    ap.add_argument("--compare", metavar="DIR", help="another build directory to measure in the same run")
    ap.add_argument("--compare-config", metavar="FILE", help="config file for the other build (older builds refuse newer keys)")
    ap.add_argument("server_args", nargs="*")
    a = ap.parse_args()
    servers = [start_server(a.build, a.server_args)]
    if a.compare:
        other_args = ["--config", a.compare_config] if a.compare_config else a.server_args
        servers.append(start_server(a.build, other_args, build_dir=a.compare))
    try:
        clients = [Client(url) for _, url in servers]
        baselines = {"python": ("python3 -c pass", spawn_ms(["python3", "-c", "pass"], 20)),
                     "javascript": ("node -e 0", spawn_ms(["node", "-e", "0"], 10))}
        codes = {"python": "print(1)", "javascript": "console.log(1)"}
        other = " vs other" if a.compare else ""
        print(f"{'what':44} {'p50 ms':>8} {'p99 ms':>8} {'ratio p50':>10}" + (f" {'other p50':>10} {'this/other':>10}" if other else ""))
        shown = set()
        for spec in a.languages.split(","):
            lang, _, runtime = spec.partition(":")
            label = f"{lang} ({runtime})" if runtime else lang
            if not all(wait_language(c, lang) for c in clients):
                print(f"{label}: no ready driver, skipped")
                continue
            base_key = "python" if lang == "python" else "javascript"
            bname, base = baselines[base_key]
            b50 = statistics.median(base)
            try:
                results = bench_language(clients, lang, codes[base_key], a.n, runtime or None)
            except Exception as e:  # a runtime that is not installed
                print(f"{label}: skipped ({e})")
                continue
            if base_key not in shown:
                shown.add(base_key)
                print(f"{'baseline: raw ' + bname + ' spawn':44} {b50:8.2f} {pct(base, 99):8.2f} {1.0:10.3f}")
            for i, what in [(0, "session.create"), (1, "warm execute_code")]:
                mine = results[0][i]
                row = f"{label + ' ' + what:44} {pct(mine, 50):8.2f} {pct(mine, 99):8.2f} {pct(mine, 50) / b50:10.3f}"
                if a.compare:
                    theirs = results[1][i]
                    row += f" {pct(theirs, 50):10.2f} {pct(mine, 50) / pct(theirs, 50):10.3f}"
                print(row)
        for c in clients:
            c.close()
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    main()
