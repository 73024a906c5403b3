#!/usr/bin/env python3
"""Every goal of issue 14 ("instant sandboxes") from one run, with same-run baselines and Jupyter Kernel Gateway
side by side. See docs/performance.md for what each row means.

Starts the host (release build by default, config bench/configs/bench.json) and measures over real WebSockets:
session.create + first execute_code and execution.run per language, warm print(1) throughput over 8 sessions,
and the PSS of the host's process tree per idle Python session (`--idle N`; the 500-session goals need
`--idle 500`). Baselines: raw `python3 -c pass` and `node -e 0` spawns, 8 parallel python3 spawns, one bare
python3's PSS. Each path is followed by the same on Jupyter Kernel Gateway (`--no-jkg` skips it; install it with
`scripts/setup.sh --bench`).

Usage: bench/instant.py [--build release|debug] [--quick] [--idle N] [--json] [--no-jkg] [-- host args...]
"""
import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import instant_cb as cb  # noqa: E402
from bench_stats import PYTHON, pct, pss_kb, spawn_ms  # noqa: E402
from instant_report import build_rows, print_table  # noqa: E402
from proc_cpu import wait_quiet  # noqa: E402
import fork_floor  # noqa: E402
from session_bench import start_server  # noqa: E402

sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from cbclient import Client  # noqa: E402


def parallel_spawn_rate(argv, threads, seconds):
    """Spawns per second of `argv` run to completion by `threads` threads back to back."""
    count, end = [0], time.perf_counter() + seconds
    lock = threading.Lock()

    def loop():
        while time.perf_counter() < end:
            subprocess.run(argv, check=True)
            with lock:
                count[0] += 1
    t0 = time.perf_counter()
    ts = [threading.Thread(target=loop) for _ in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return count[0] / (time.perf_counter() - t0)


def bare_python_pss_kb():
    """PSS of a python3 that has started and waits on stdin: what one interpreter costs on its own."""
    p = subprocess.Popen([PYTHON, "-c", "import sys; print(1, flush=True); sys.stdin.read()"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    p.stdout.readline()
    kb = pss_kb(p.pid)
    p.communicate("")
    return kb


def baselines(quick):
    return {"python_spawn": spawn_ms([PYTHON, "-c", "pass"], 10 if quick else 20),
            "node_spawn": spawn_ms(["node", "-e", "0"], 5 if quick else 10),
            "spawn_rate8": parallel_spawn_rate([PYTHON, "-c", "pass"], 8, 2 if quick else 4),
            "fork_floor": fork_floor.rate(2 if quick else 3),
            "python_pss_kb": bare_python_pss_kb()}


async def measure(url, pid, a, gw, say):
    """CodeBeaker's figures, each followed by the same path on the gateway `gw` (if any) while the host idles, so
    that the load of this shared machine drifts over both alike."""
    import jkg_bench
    res, jkg = {"create": {}, "run": {}, "skipped": {}}, {}
    rpc = await cb.RPC.connect(url)
    for label in a.languages.split(","):
        try:
            res["create"][label] = await cb.create_first(rpc, label, a.n, a.gap)
            say(f"{label}: create+first p50 {pct(res['create'][label]['total'], 50):.1f} ms")
            res["run"][label] = await cb.run_once(rpc, label, a.n, a.gap)
            say(f"{label}: execution.run p50 {pct(res['run'][label]['total'], 50):.1f} ms")
        except Exception as e:  # noqa: BLE001 - a runtime not installed here: shown in the table, never hidden
            res["skipped"][label] = str(e)[:200]
            say(f"{label}: skipped ({e})")
    if gw:
        jkg["create"] = await jkg_bench.create_first(gw, a.jkg_creates)
        say(f"JKG: kernel create+first p50 {pct(jkg['create'], 50):.0f} ms")
    sid = (await rpc.call("session.create", {"language": "python"}))["sessionId"]
    await cb.warm(rpc, sid, "print(1)", 5)
    res["warm"] = await cb.warm(rpc, sid, "print(1)", a.warm)
    await rpc.call("session.close", {"sessionId": sid})
    await rpc.close()
    if gw:
        jkg["warm"] = await jkg_bench.warm(gw, a.warm)
    res["throughput"] = await cb.throughput(url, 8, a.seconds)
    say(f"throughput {res['throughput']['rate']:.0f}/s")
    res["throughputStateful"] = await cb.throughput(url, 8, a.seconds, stateful=True)
    say(f"throughput, stateful sessions {res['throughputStateful']['rate']:.0f}/s")
    if gw:
        jkg["throughput"] = await jkg_bench.throughput(gw, 8, a.seconds)
        say(f"JKG: throughput {jkg['throughput']['rate']:.0f}/s")
    res["idle"] = await cb.idle(url, pid, a.idle, a.settle)
    say(f"idle: {res['idle']['perSessionKB'] / 1024:.2f} MB per session")
    if gw:
        jkg["idle"] = await jkg_bench.idle(gw, a.jkg_idle, a.settle)
    res["metrics"] = cb.pool_metrics(url)
    return res, jkg


def start_gateway(a, out, say):
    if a.no_jkg:
        return None
    jupyter = os.path.join(a.jkg_venv, "bin", "jupyter")
    if not os.path.exists(jupyter):
        out["jkg"] = {"skipped": f"{jupyter} missing: run scripts/setup.sh --bench"}
        return None
    import jkg_bench
    say("starting Jupyter Kernel Gateway ...")
    return jkg_bench.Gateway(jupyter)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="release", choices=["release", "debug"])
    ap.add_argument("--quick", action="store_true", help="fewer samples: about 1-2 minutes")
    ap.add_argument("--idle", type=int, help="idle Python sessions for the memory rows (default 50, quick 20)")
    ap.add_argument("--json", action="store_true", help="print the rows and raw figures as JSON (the table to stderr)")
    ap.add_argument("--no-jkg", action="store_true", help="skip Jupyter Kernel Gateway")
    ap.add_argument("--jkg-venv", default=os.environ.get("CODEBEAKER_BENCH_VENV", os.path.join(ROOT, ".bench-venv")))
    ap.add_argument("--languages", default=",".join(cb.LANGUAGES))
    ap.add_argument("--config", default=os.path.join(HERE, "configs", "bench.json"))
    ap.add_argument("server_args", nargs="*", help="extra host arguments (after --)")
    a = ap.parse_args()
    q = a.quick
    a.n, a.warm, a.seconds, a.gap, a.settle = (8, 50, 4, 0.1, 2) if q else (30, 200, 10, 0.1, 3)
    a.idle = a.idle if a.idle is not None else (20 if q else 50)
    a.jkg_creates, a.jkg_idle = (2, 3) if q else (10, 10)
    say = (lambda m: print(m, file=sys.stderr, flush=True))
    out = {"quick": q, "build": a.build, "idleSessions": a.idle, "loadavgStart": os.getloadavg()[0]}
    say("baselines ...")
    out["baselines"] = baselines(q)
    gw = start_gateway(a, out, say)
    proc, url = start_server(a.build, ["--config", a.config, *a.server_args])
    try:
        with Client(url) as c:  # the drivers start with the host: wait until each runtime takes a session
            for label in a.languages.split(","):
                params = dict(cb.LANGUAGES[label][0])
                try:
                    c.session_when_ready(params.pop("language"), timeout=60, **params)
                except Exception as e:  # noqa: BLE001 - not installed here; its rows say skipped
                    say(f"{label}: no session yet ({e})")
        waited = wait_quiet(proc.pid)  # start-up work (version probes, pool fills) off the first figures
        out["hostQuietAfterS"] = waited
        say(f"host quiet after {waited:.0f} s" if waited is not None else "host never went quiet: figures include it")
        out["host"], jkg = asyncio.run(measure(url, proc.pid, a, gw, say))
        if gw:
            out["jkg"] = jkg
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if gw:
            gw.stop()
    out["loadavgEnd"] = os.getloadavg()[0]  # other work on this 2-core machine skews every figure
    out["rows"] = build_rows(out)
    if a.json:  # the table still goes to stderr, for the person watching
        print_table(out, sys.stderr)
        print(json.dumps(out, indent=1))
    else:
        print_table(out)


if __name__ == "__main__":
    main()
