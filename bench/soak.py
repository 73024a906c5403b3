#!/usr/bin/env python3
"""Soak test: many WebSocket clients against one host for a while, with driver processes killed under them.

Each client loops until the time is up: session.create on a random native runtime (python, javascript on
node, deno, bun), a few operations (execute, write/read/list files, a pip install from the local wheel
cache, an execution cancelled with session.cancel, a disconnect in the middle of a run), session.close.
Every `--kill-every` seconds one random native driver process gets SIGKILL. Afterwards the host must be back
to its baseline: open fds, child processes, mounts, loop devices, session cgroups and workspaces.

Errors are reported by kind. An error counts as caused by a driver kill when its session ran on a driver
killed in the preceding `--kill-window` seconds and its message is one a restart explains (crashed,
restarting, not ready, re-open ...); everything else is "unexplained". Exit status 0 only with no
unexplained error and no leak.

Usage: bench/soak.py [--build-dir .build/release] [--clients 500] [--seconds 60] [--kill-every 10] [--json]
"""
import argparse
import asyncio
import json
import os
import random
import re
import resource
import signal
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_stats import descendants, proc_kb as kb  # noqa: E402
from rpc_async import RPC  # noqa: E402

BUSY_JS = "const t = Date.now(); while (Date.now() - t < 30000) {{}}"
RUNTIMES = {  # driver name -> (session.create params, code printing N, code busy for 30 s)
    "python": ({"language": "python", "runtimeType": "Python"}, "print({n})", "import time\ntime.sleep(30)"),
    "node": ({"language": "javascript", "runtimeType": "NodeJs"}, "console.log({n})", BUSY_JS),
    "deno": ({"language": "typescript", "runtimeType": "Deno"}, "console.log({n})", BUSY_JS),
    "bun": ({"language": "javascript", "runtimeType": "Bun"}, "console.log({n})", BUSY_JS),
}
INSTALL_SPEC, INSTALL_WHEEL = "six==1.17.0", "six-1.17.0-py2.py3-none-any.whl"
# What a restart of the session's driver explains (its in-flight calls fail, calls wait for or miss it).
RESTART_TEXT = re.compile(r"crashed|restart|not ready|unresponsive|re-open|No runtime available|driver stopped|"
                          r"runner died|not running|session not found", re.I)


def pick_build_dir(arg):
    if arg:
        return os.path.abspath(arg)
    for c in ("release", "debug"):
        if os.path.exists(os.path.join(ROOT, ".build", c, "codebeaker")):
            return os.path.join(ROOT, ".build", c)
    sys.exit("build the host first (swift build -c release)")


class Stats:
    def __init__(self):
        self.lat, self.errors, self.ops, self.kills = {}, [], 0, []

    def ok(self, op, ms):
        self.ops += 1
        self.lat.setdefault(op, []).append(ms)

    def fail(self, op, driver, message):
        self.ops += 1
        self.errors.append((time.monotonic(), op, driver, str(message)))

    def examples(self, window, limit=8):
        """Raw unexplained errors, with seconds since the last kill of their driver (for the reader)."""
        out = []
        for at, op, driver, message in self.errors:
            kills = [k for k, d in self.kills if d == driver and k <= at]
            killed = kills and at - kills[-1] <= window
            if not (killed and RESTART_TEXT.search(message)):
                out.append({"op": op, "driver": driver, "message": message[:300],
                            "sinceKill": round(at - kills[-1], 1) if kills else None})
        return out[:limit]

    def classify(self, window):
        kinds = {}
        for at, op, driver, message in self.errors:
            killed = any(d == driver and k <= at <= k + window for k, d in self.kills)
            short = re.sub(r"\b[sx]_[0-9a-f]+\b", "<id>", re.sub(r"\d+", "N", message))[:140]
            kind = f"driver-kill: {op}: {short}" if killed and RESTART_TEXT.search(message) else f"unexplained: {op}: {short}"
            kinds[kind] = kinds.get(kind, 0) + 1
        return kinds


async def timed(stats, op, driver, coro):
    t = time.monotonic()
    try:
        r = await coro
    except Exception as e:  # noqa: BLE001 - every failure is an error of its kind
        stats.fail(op, driver, e if str(e) else type(e).__name__)
        return None
    if isinstance(r, dict) and r.get("success") is False and not (r.get("result") or {}).get("cancelled"):
        stats.fail(op, driver, r.get("error"))
        return None
    stats.ok(op, (time.monotonic() - t) * 1000)
    return r


async def client(url, token, deadline, stats, install):
    """One tenant (its own token, so per-principal limits apply per client as in production)."""
    rpc = await RPC.connect(url, token)
    n = 0
    try:
        while time.monotonic() < deadline:
            driver = random.choice(list(RUNTIMES))
            create, code, busy = RUNTIMES[driver]
            s = await timed(stats, "create", driver, rpc.call("session.create", create))
            if not s:
                await asyncio.sleep(0.5)
                continue
            sid = s["sessionId"]
            for _ in range(random.randint(2, 5)):
                n += 1
                op = random.choices(["execute", "files", "install", "cancel", "disconnect"], [50, 25, 8, 10, 7])[0]
                if op == "execute":
                    r = await timed(stats, "execute", driver, rpc.call("session.execute", {
                        "sessionId": sid, "command": {"type": "execute_code", "code": code.format(n=n)}}))
                    if r and r["result"]["stdout"].strip() != str(n):
                        stats.fail("execute", driver, f"wrong output {r['result']['stdout']!r}")
                elif op == "files":
                    body = f"soak {n}\n"
                    await timed(stats, "write_file", driver, rpc.call("session.execute", {
                        "sessionId": sid, "command": {"type": "write_file", "path": f"f{n}.txt", "content": body}}))
                    r = await timed(stats, "read_file", driver, rpc.call("session.execute", {
                        "sessionId": sid, "command": {"type": "read_file", "path": f"f{n}.txt"}}))
                    if r and r["result"].get("content") != body:
                        stats.fail("read_file", driver, "content differs")
                    await timed(stats, "list_files", driver, rpc.call("session.execute", {
                        "sessionId": sid, "command": {"type": "list_files", "path": "."}}))
                elif op == "install" and install and driver == "python":
                    await timed(stats, "install", driver, rpc.call("session.execute", {
                        # Offline: the wheel is in the host's cache (checked at start), so pip needs no index.
                        "sessionId": sid, "command": {"type": "install_packages", "packages": [INSTALL_SPEC], "timeout": 300}}))
                elif op == "cancel":
                    rid, fut = await rpc.send("session.execute", {"sessionId": sid, "command": {"type": "execute_code", "code": busy}})
                    await asyncio.sleep(random.uniform(0.1, 0.5))
                    t = time.monotonic()
                    try:
                        # The request may not have reached the host's session yet (under load a start can wait seconds
                        # in the start gate): ask until it is cancelled or has ended, for as long as its own timeout.
                        for _ in range(600):
                            if (await rpc.call("session.cancel", {"sessionId": sid, "requestId": rid}))["cancelled"] or fut.done():
                                break
                            await asyncio.sleep(0.05)
                        m = await asyncio.wait_for(fut, 120)
                        res = m.get("result") or {}
                        if "error" in m or not (res.get("success") is False and (res.get("result") or {}).get("cancelled")):
                            stats.fail("cancel", driver, (m.get("error") or {}).get("message") or res.get("error") or "not cancelled")
                        else:
                            stats.ok("cancel", (time.monotonic() - t) * 1000)
                    except Exception as e:  # noqa: BLE001
                        stats.fail("cancel", driver, e)
                elif op == "disconnect":
                    await rpc.send("session.execute", {"sessionId": sid, "command": {"type": "execute_code", "code": busy}})
                    await asyncio.sleep(random.uniform(0.1, 0.5))
                    await rpc.close()  # the host cancels the run; the session stays for the principal
                    rpc = await RPC.connect(url, token)
                    stats.ok("disconnect", 0)
            await timed(stats, "close", driver, rpc.call("session.close", {"sessionId": sid}, timeout=120))
    finally:
        await rpc.close()


# ---- host and leak accounting ----

def snapshot(server, tmp, driver_pids):
    pid = server.proc.pid
    with open("/proc/self/mountinfo") as f:
        mounts = sum(1 for line in f if line.split()[4].startswith(tmp))
    loops = 0
    for dev in os.listdir("/sys/block"):
        try:
            with open(f"/sys/block/{dev}/loop/backing_file") as f:
                loops += f.read().startswith(tmp)
        except OSError:
            pass
    cgroups, names = 0, set()
    pattern = re.compile(r"^(python|node|deno|bun)-(\d+)-")
    for top in ("/sys/fs/cgroup",):
        for dirpath, dirnames, _ in os.walk(top):
            if dirpath.count("/") > 6:
                dirnames[:] = []
                continue
            for d in dirnames:
                m = pattern.match(d)
                if m and int(m.group(2)) in driver_pids:
                    cgroups += 1
                    names.add(d)
    snapshot.cgroup_names = sorted(names)
    return {"hostFds": len(os.listdir(f"/proc/{pid}/fd")), "processes": len(descendants(pid)), "mounts": mounts,
            "loopDevices": loops, "cgroups": cgroups, "workspaces": len(os.listdir(server.workspace_root))}


def memory(server):
    pid = server.proc.pid
    pss = sum(kb(f"/proc/{p}/smaps_rollup", "Pss:") for p in [pid] + descendants(pid))
    return kb(f"/proc/{pid}/status", "VmRSS:"), pss


ADMIN_TOKEN = "soak-monitor-token"


def drivers(server):
    from cbclient import Client
    c = Client(server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
    try:
        return {d["name"]: d for d in c.call("initialize")["drivers"]}
    finally:
        c.close()


async def killer(server, deadline, every, stats, driver_pids):
    while time.monotonic() + every < deadline:
        await asyncio.sleep(every)
        name = random.choice(list(RUNTIMES))
        d = (await asyncio.to_thread(drivers, server)).get(name) or {}
        if d.get("pid"):
            stats.kills.append((time.monotonic(), name))
            os.kill(d["pid"], signal.SIGKILL)


async def monitor(server, until, mem, driver_pids):
    while not until.done():
        rss, pss = await asyncio.to_thread(memory, server)
        mem["rssMaxKB"], mem["pssMaxKB"] = max(mem.get("rssMaxKB", 0), rss), max(mem.get("pssMaxKB", 0), pss)
        for d in (await asyncio.to_thread(drivers, server)).values():
            if d.get("pid"):
                driver_pids.add(d["pid"])
        await asyncio.sleep(2)


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else None


def wait_settled(server, tmp, pids, want, timeout):
    """The leak check: every figure back to its baseline (cleanup is asynchronous, so it gets `timeout`)."""
    deadline = time.monotonic() + timeout
    while True:
        now = snapshot(server, tmp, pids)
        if all(now[k] <= want[k] for k in want) or time.monotonic() > deadline:
            return now
        time.sleep(0.5)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build-dir")
    ap.add_argument("--clients", type=int, default=500)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--kill-every", type=float, default=10)
    ap.add_argument("--kill-window", type=float, default=20)
    ap.add_argument("--json", action="store_true", help="print only the JSON report")
    a = ap.parse_args(argv)
    os.environ["CODEBEAKER_BUILD_DIR"] = pick_build_dir(a.build_dir)
    sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
    from conftest import Server  # noqa: E402 - after CODEBEAKER_BUILD_DIR is set
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 65536)), hard))
    cache = os.environ.get("CODEBEAKER_PACKAGE_CACHE", "/var/lib/codebeaker/pkgcache")
    install = os.path.exists(os.path.join(cache, "pip", "wheels", INSTALL_WHEEL))
    log = (lambda *x: None) if a.json else (lambda *x: print(*x, flush=True))
    log(f"build {os.environ['CODEBEAKER_BUILD_DIR']}; {a.clients} clients x {a.seconds:g} s; kill -9 every {a.kill_every:g} s; "
        + (f"installs {INSTALL_SPEC} from the local wheel cache" if install else f"installs SKIPPED: {INSTALL_WHEEL} not in {cache}/pip/wheels"))

    tokens = ",".join([f"monitor:{ADMIN_TOKEN}"] + [f"soak{i}:soak-token-{i}" for i in range(a.clients)])
    server = Server("--config", os.path.join(ROOT, "bench", "configs", "bench.json"),
                    env={"CODEBEAKER_DOCKER_POOL": "0", "CODEBEAKER_TOKENS": tokens})
    tmp = server.tmp.name
    try:
        deadline = time.monotonic() + 60
        while not all((drivers(server).get(n) or {}).get("state") == "ready" for n in RUNTIMES):
            if time.monotonic() > deadline:
                sys.exit(f"native drivers not ready: { {n: (drivers(server).get(n) or {}).get('state') for n in RUNTIMES} }")
            time.sleep(0.2)
        driver_pids = {d["pid"] for d in drivers(server).values() if d.get("pid")}
        from cbclient import Client
        warm = Client(server.url, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})  # one session per runtime first, so lazily created state is part of the baseline
        for name, (create, code, _) in RUNTIMES.items():
            sid = warm.call("session.create", create)["sessionId"]
            r = warm.execute(sid, {"type": "execute_code", "code": code.format(n=1)}, timeout=120)
            if not r["success"]:
                sys.exit(f"warm-up on {name} failed: {r}")
            warm.call("session.close", {"sessionId": sid})
        warm.close(close_sessions=False)
        baseline = wait_settled(server, tmp, driver_pids, {}, 0)
        rss0, pss0 = memory(server)
        log(f"baseline {baseline}; host RSS {rss0 // 1024} MB, tree PSS {pss0 // 1024} MB")

        stats, mem = Stats(), {}

        async def run():
            end = time.monotonic() + a.seconds
            done = asyncio.get_running_loop().create_future()
            mon = asyncio.ensure_future(monitor(server, done, mem, driver_pids))
            kill = asyncio.ensure_future(killer(server, end, a.kill_every, stats, driver_pids))
            results = await asyncio.gather(*(client(server.url, f"soak-token-{i}", end, stats, install) for i in range(a.clients)),
                                           return_exceptions=True)
            for r in results:
                if isinstance(r, BaseException):
                    stats.fail("client", None, r)
            kill.cancel()
            done.set_result(None)
            await mon

        t0 = time.monotonic()
        asyncio.run(run())
        took = time.monotonic() - t0
        rss1, pss1 = memory(server)
        status, metrics = server.http("/metrics")
        open_sessions = [l for l in metrics.decode().splitlines() if l.startswith("codebeaker_active_sessions")]
        # Sandboxes of a SIGKILLed driver may take a while to exit on a loaded machine; 2 minutes to settle.
        after = wait_settled(server, tmp, driver_pids, baseline, 120)
        leaks = {k: (baseline[k], after[k]) for k in baseline if after[k] > baseline[k]}
        kinds = stats.classify(a.kill_window)
        unexplained = sum(v for k, v in kinds.items() if k.startswith("unexplained"))
        report = {
            "clients": a.clients, "seconds": a.seconds, "tookSeconds": round(took, 1), "operations": stats.ops,
            "installs": install, "kills": [name for _, name in stats.kills],
            "errors": sum(kinds.values()), "unexplainedErrors": unexplained, "errorsByKind": kinds,
            "unexplainedExamples": stats.examples(a.kill_window),
            "latencyMs": {op: {"n": len(xs), "p50": round(pct(xs, 50), 1), "p99": round(pct(xs, 99), 1)} for op, xs in sorted(stats.lat.items())},
            "hostRssMB": {"baseline": rss0 // 1024, "max": mem.get("rssMaxKB", 0) // 1024, "after": rss1 // 1024},
            "treePssMB": {"baseline": pss0 // 1024, "max": mem.get("pssMaxKB", 0) // 1024, "after": pss1 // 1024},
            "baseline": baseline, "after": after, "leaks": leaks,
            "leftoverCgroups": snapshot.cgroup_names if "cgroups" in leaks else [],
            "driverPids": sorted(driver_pids), "openSessionsAfter": open_sessions,
        }
    finally:
        server.stop()
    if a.json:
        print(json.dumps(report))
    else:
        log(f"{stats.ops} operations in {took:.1f} s; {len(stats.kills)} driver kills ({', '.join(report['kills'])})")
        log("errors by kind:" if kinds else "errors: none")
        for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]):
            log(f"  {v:6d}  {k}")
        log(f"{'op':12s} {'n':>7s} {'p50 ms':>9s} {'p99 ms':>9s}")
        for op, l in report["latencyMs"].items():
            log(f"{op:12s} {l['n']:7d} {l['p50']:9.1f} {l['p99']:9.1f}")
        log(f"host RSS MB {report['hostRssMB']}; tree PSS MB {report['treePssMB']}")
        log(f"after: {after}; " + (f"LEAKS {leaks}" if leaks else "back to baseline"))
        log(json.dumps(report))
    return 0 if unexplained == 0 and not leaks else 1


if __name__ == "__main__":
    sys.exit(main())
