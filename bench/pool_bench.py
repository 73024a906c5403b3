#!/usr/bin/env python3
"""The pre-started sandbox pool (issue 14): `session.create` + first `execute_code`, and `execution.run`, per
runtime, with the pool on (default size) and off (`--pool-size 0`), against two servers of the same build
started side by side and measured alternately, sample by sample. Every figure is also given as a ratio to a
raw `python3 -c pass` spawn measured in the same run.

Usage: bench/pool_bench.py [--build release] [-n 30] [--gap 0.2] [--burst 200]
`--gap` is the pause between samples (the time a client spends between sessions; the pool refills in it).
`--burst N` also sends N concurrent creates to the pooled server and reports how many were pooled, cold, failed.
"""
import argparse
import concurrent.futures
import json
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_stats import pct, spawn_ms  # noqa: E402
from session_bench import start_server, wait_language  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "Tests", "e2e"))
from cbclient import Client  # noqa: E402

# A bench client makes many sessions and executions in a short time: the per-principal caps would refuse it.
CONFIG = {"security": {"enableRateLimiting": False, "maxSessionsPerPrincipal": 1000}}
RUNTIMES = [("python", None, "print(1)"), ("javascript", "NodeJs", "console.log(1)"),
            ("javascript", "Bun", "console.log(1)"), ("typescript", "Deno", "console.log(1)")]


def create_first_execute(c, params, code):
    t = time.perf_counter()
    r = c.call("session.create", params)
    x = c.execute(r["sessionId"], {"type": "execute_code", "code": code})
    ms = (time.perf_counter() - t) * 1000
    assert x["result"]["stdout"] == "1\n", x
    c.call("session.close", {"sessionId": r["sessionId"]})
    return ms, r.get("sandboxStart")


def run_once(c, params, code):
    t = time.perf_counter()
    r = c.call("execution.run", {**params, "code": code})
    ms = (time.perf_counter() - t) * 1000
    assert r["stdout"] == "1\n", r
    return ms, r.get("sandboxStart")


def wait_pool(url_http, timeout=120):
    """Until every native driver's pool is full (read from /metrics), so the first samples are not cold starts."""
    import urllib.request
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = urllib.request.urlopen(url_http + "/metrics", timeout=10).read().decode()
        ready = [float(l.rsplit(" ", 1)[1]) for l in text.splitlines() if l.startswith("codebeaker_session_pool_ready{")]
        if ready and min(ready) >= 2:
            return
        time.sleep(0.2)


def burst(url, n):
    def one(_):
        try:
            with Client(url) as c:
                r = c.call("session.create", {"language": "python"}, timeout=300)
                c.call("session.close", {"sessionId": r["sessionId"]})
                return r.get("sandboxStart", "?")
        except Exception as e:  # counted, not raised: the bench reports failures
            return "failed: " + str(e)[:80]
    t = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        out = list(ex.map(one, range(n)))
    secs = time.perf_counter() - t
    fails = [o for o in out if o.startswith("failed")]
    return out.count("pooled"), out.count("cold"), fails, secs


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="release")
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--gap", type=float, default=0.2)
    ap.add_argument("--burst", type=int, default=0)
    a = ap.parse_args()
    cfg = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump(CONFIG, cfg)
    cfg.close()
    servers = [start_server(a.build, ["--config", cfg.name]),
               start_server(a.build, ["--config", cfg.name, "--pool-size", "0"])]
    try:
        clients = [Client(url) for _, url in servers]
        base = spawn_ms(["python3", "-c", "pass"], 20)
        b50 = statistics.median(base)
        for lang, _, _ in RUNTIMES:
            for c in clients:
                wait_language(c, lang)
        wait_pool(servers[0][1].replace("ws://", "http://").split("/ws/")[0])
        print(f"pool on = default sessionPool (2 per native runtime); pool off = --pool-size 0; gap {a.gap} s; n={a.n}")
        print(f"{'what':48} {'on p50':>8} {'off p50':>8} {'on/off':>7} {'on/base':>8} {'pooled':>7}")
        print(f"{'baseline: raw python3 -c pass spawn':48} {b50:8.2f} {'':>8} {'':>7} {1.0:8.2f}")
        for lang, runtime, code in RUNTIMES:
            params = {"language": lang, **({"runtimeType": runtime} if runtime else {})}
            label = f"{lang}" + (f" ({runtime})" if runtime else "")
            for what, fn in (("create + first execute_code", create_first_execute), ("execution.run", run_once)):
                samples = [[], []]
                starts = []
                try:
                    for _ in range(a.n):
                        for i, c in enumerate(clients):
                            ms, start = fn(c, params, code)
                            samples[i].append(ms)
                            if i == 0:
                                starts.append(start)
                            time.sleep(a.gap)
                except Exception as e:  # a runtime that is not installed here
                    print(f"{label} {what}: skipped ({str(e)[:100]})")
                    continue
                on, off = pct(samples[0], 50), pct(samples[1], 50)
                print(f"{label + ' ' + what:48} {on:8.2f} {off:8.2f} {on / off:7.3f} {on / b50:8.2f} "
                      f"{starts.count('pooled'):3}/{len(starts)}")
        if a.burst:
            pooled, cold, fails, secs = burst(servers[0][1], a.burst)
            print(f"burst of {a.burst} concurrent python session.create (pool on): {pooled} pooled, {cold} cold, "
                  f"{len(fails)} failed, {secs:.1f} s" + (f"; first failure: {fails[0]}" if fails else ""))
        for c in clients:
            c.close()
    finally:
        for proc, _ in servers:
            proc.terminate()
            proc.wait(timeout=60)
        os.unlink(cfg.name)


if __name__ == "__main__":
    main()
