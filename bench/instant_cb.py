"""CodeBeaker's side of bench/instant.py: each measurement over real WebSockets (bench/rpc_async.py) against a
running host. Every function returns plain numbers and lists; instant.py turns them into goal rows."""
import asyncio
import time
import urllib.request

from bench_stats import pct, tree_pss_kb
from rpc_async import RPC

# label -> (session.create params, code printing 1)
LANGUAGES = {
    "python": ({"language": "python"}, "print(1)"),
    "node": ({"language": "javascript", "runtimeType": "NodeJs"}, "console.log(1)"),
    "bun": ({"language": "javascript", "runtimeType": "Bun"}, "console.log(1)"),
    "deno": ({"language": "typescript", "runtimeType": "Deno"}, "console.log(1)"),
}


def since(t):
    return (time.perf_counter() - t) * 1000


def execute(rpc, sid, code):
    return rpc.call("session.execute", {"sessionId": sid, "command": {"type": "execute_code", "code": code}})


def check_one(r):
    out = r.get("stdout", (r.get("result") or {}).get("stdout"))
    if not r.get("success") or out != "1\n":
        raise RuntimeError(f"unexpected result {r}")


def note_start(seen, *results):
    """Counts the `sandboxStart` values (pooled / cold ...) the host reports, if it reports any."""
    for r in results:
        if isinstance(r, dict) and "sandboxStart" in r:
            seen[str(r["sandboxStart"])] = seen.get(str(r["sandboxStart"]), 0) + 1


async def create_first(rpc, label, n, gap):
    """n times: session.create, the first execute_code, session.close. Times create..result and each part."""
    params, code = LANGUAGES[label]
    out = {"total": [], "create": [], "first": [], "sandboxStart": {}}
    for _ in range(n):
        await asyncio.sleep(gap)
        t = time.perf_counter()
        s = await rpc.call("session.create", params)
        created = since(t)
        r = await execute(rpc, s["sessionId"], code)
        out["total"].append(since(t))
        out["create"].append(created)
        out["first"].append(out["total"][-1] - created)
        check_one(r)
        note_start(out["sandboxStart"], s, r)
        await rpc.call("session.close", {"sessionId": s["sessionId"]})
    return out


async def run_once(rpc, label, n, gap):
    """n stateless execution.run calls."""
    params, code = LANGUAGES[label]
    out = {"total": [], "sandboxStart": {}}
    for _ in range(n):
        await asyncio.sleep(gap)
        t = time.perf_counter()
        r = await rpc.call("execution.run", {**params, "code": code})
        out["total"].append(since(t))
        check_one(r)
        note_start(out["sandboxStart"], r)
    return out


async def warm(rpc, sid, code, n):
    times = []
    for _ in range(n):
        t = time.perf_counter()
        check_one(await execute(rpc, sid, code))
        times.append(since(t))
    return times


async def throughput(url, sessions, seconds, code="print(1)", stateful=False):
    """`sessions` Python sessions, each on its own connection, executing `code` back to back for `seconds`
    (`stateful`: sessions that keep one interpreter, so an execution forks no process)."""
    rpcs = [await RPC.connect(url) for _ in range(sessions)]
    params = {"language": "python", **({"stateful": True} if stateful else {})}
    sids = [(await r.call("session.create", params))["sessionId"] for r in rpcs]
    for r, sid in zip(rpcs, sids):
        await warm(r, sid, code, 5)
    lat, errors = [], []
    end = time.perf_counter() + seconds

    async def worker(r, sid):
        while time.perf_counter() < end:
            t = time.perf_counter()
            try:
                check_one(await execute(r, sid, code))
                lat.append(since(t))
            except Exception as e:  # noqa: BLE001 - counted and shown, never hidden
                errors.append(str(e)[:200])

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(r, sid) for r, sid in zip(rpcs, sids)))
    wall = time.perf_counter() - t0
    for r, sid in zip(rpcs, sids):
        await r.call("session.close", {"sessionId": sid})
        await r.close()
    return {"rate": len(lat) / wall, "p50": pct(lat, 50), "p99": pct(lat, 99), "count": len(lat), "errors": errors}


async def bounded(items, parallel, fn):
    sem = asyncio.Semaphore(parallel)

    async def one(x):
        async with sem:
            try:
                return await fn(x)
            except Exception as e:  # noqa: BLE001
                return e
    return await asyncio.gather(*(one(x) for x in items))


async def idle(url, host_pid, n, settle, idle_after=35.0):
    """PSS of the host's process tree before and after `n` Python sessions that each ran print(1) once and sit
    idle; then every one runs print(1) again. Sessions are created 8 at a time. Read twice: `settle` s after
    the last print(1) (runners still hold their warm spares) and `idle_after` s after it (past the runner's
    30 s idle trim: what an idle session costs)."""
    rpc = await RPC.connect(url)
    before, procs_before = tree_pss_kb(host_pid)

    async def make(_):
        s = await rpc.call("session.create", {"language": "python"}, timeout=120)
        check_one(await execute(rpc, s["sessionId"], "print(1)"))
        return s["sessionId"]
    made = await bounded(range(n), 8, make)
    sids = [s for s in made if isinstance(s, str)]
    made_at = time.monotonic()
    await asyncio.sleep(settle)  # let start-up garbage be freed before reading memory
    busy, _ = tree_pss_kb(host_pid)
    await asyncio.sleep(max(0.0, made_at + idle_after - time.monotonic()))  # the idle state is what is measured
    after, procs_after = tree_pss_kb(host_pid)
    runs = await bounded(sids, 8, lambda sid: execute(rpc, sid, "print(1)"))
    ok = sum(1 for r in runs if isinstance(r, dict) and r.get("success") and r["result"]["stdout"] == "1\n")
    failures = [str(x)[:200] for x in made + runs if isinstance(x, Exception)][:5]
    await bounded(sids, 8, lambda sid: rpc.call("session.close", {"sessionId": sid}))
    await rpc.close()
    return {"n": n, "created": len(sids), "ranPrint": ok, "beforeKB": before, "afterKB": after,
            "perSessionKB": (after - before) / max(1, len(sids)), "idleAfterS": idle_after,
            "perSessionBusyKB": (busy - before) / max(1, len(sids)), "procsBefore": procs_before,
            "procsAfter": procs_after, "failures": failures}


def pool_metrics(url):
    """The /metrics lines of a sandbox pool or memory merging, if this host has them."""
    base = url.replace("ws://", "http://").split("/ws/", 1)[0]
    try:
        text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
    except OSError as e:
        return [f"(metrics unavailable: {e})"]
    return [l for l in text.splitlines() if l.startswith(("codebeaker_pool_", "codebeaker_ksm_"))]
