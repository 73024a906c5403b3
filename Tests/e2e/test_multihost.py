"""Three hosts behind HAProxy (examples/proxy/haproxy-hosts.cfg as shipped, docs/scaling.md): 50 SDK clients over
wss:// create sessions and run code, reconnect to their session's host, and one host is killed (SIGKILL) mid-run.
Only its sessions end, with SessionHostUnavailableError; the others keep working; new sessions go to live hosts.
The figures (operations, errors by class, latency p50/p99, wall time) are printed."""
import asyncio
import os
import signal
import sys
import tempfile
import time
from collections import Counter

import pytest

from conftest import ROOT, Server, wait_until
from proxyutil import Haproxy, free_port, need, python_only

sys.path.insert(0, str(ROOT / "clients" / "python"))  # this tree's SDK (CI installs the same one)
from codebeaker import AsyncClient, ConnectionLostError, SessionHostUnavailableError  # noqa: E402

HOSTS = ("h1", "h2", "h3")
VICTIM = "h2"
CLIENTS, LATE_CLIENTS, ROUNDS = 50, 10, 3
TOKENS = {f"c{i}": os.urandom(16).hex() for i in range(CLIENTS + LATE_CLIENTS)}


@pytest.fixture(scope="module")
def cluster():
    need("haproxy", "openssl")
    tmp = tempfile.TemporaryDirectory(prefix="cb-hosts-")
    drivers = python_only(tmp.name)  # three hosts on two cores
    port = free_port()
    env = {"CODEBEAKER_TOKENS": ",".join(f"{p}:{t}" for p, t in TOKENS.items()), "CODEBEAKER_POOL_SIZE": "0"}
    hosts = {}
    try:
        for h in HOSTS:
            hosts[h] = Server("--host-id", h, "--public-url", f"wss://127.0.0.1:{port}/ws/jsonrpc",
                              "--workspace-quota-mb", "0", drivers_dir=drivers, env=env)
        proxy = Haproxy("haproxy-hosts.cfg", tmp.name, {f"CB_{h.upper()}_ADDR": f"127.0.0.1:{s.port}"
                                                        for h, s in hosts.items()}, port=port)
        for h in HOSTS:
            proxy.wait_up(f"/health/ready?host={h}")
        yield hosts, proxy
        proxy.stop()
    finally:
        for s in hosts.values():
            s.stop()
        tmp.cleanup()


class Figures:
    def __init__(self):
        self.latency, self.errors, self.ops = {}, Counter(), Counter()

    async def op(self, kind, coro):
        t = time.monotonic()
        try:
            return await coro
        except Exception as e:
            self.errors[f"{kind}: {type(e).__name__}"] += 1
            raise
        finally:
            self.ops[kind] += 1
            self.latency.setdefault(kind, []).append(time.monotonic() - t)

    def report(self, wall):
        lines = [f"multihost: {CLIENTS}+{LATE_CLIENTS} clients, 3 hosts, {VICTIM} killed; wall {wall:.1f} s",
                 f"  operations {sum(self.ops.values())}: " + ", ".join(f"{k} {v}" for k, v in sorted(self.ops.items())),
                 "  errors: " + (", ".join(f"{k} {v}" for k, v in sorted(self.errors.items())) or "none")]
        for kind, xs in sorted(self.latency.items()):
            xs = sorted(xs)
            p = lambda q: xs[min(len(xs) - 1, int(q * len(xs)))] * 1000  # noqa: E731
            lines.append(f"  {kind}: n={len(xs)} p50 {p(0.5):.0f} ms, p99 {p(0.99):.0f} ms")
        return "\n".join(lines)


def test_fifty_clients_three_hosts_one_killed(cluster, capsys, monkeypatch):
    hosts, proxy = cluster
    monkeypatch.setenv("SSL_CERT_FILE", proxy.cert)  # the SDK's default TLS context trusts the test's CA
    fig = Figures()
    started = time.monotonic()
    first_round = killed = None
    long_runs = Counter()

    async def client(i, done_first_round):
        cb = AsyncClient(proxy.url, token=TOKENS[f"c{i}"], ping_interval=None)
        await cb.connect()
        s = await fig.op("create", cb.create_session("python"))
        route = s.info.raw["route"]
        assert s.id.startswith(f"s_{route}_") and cb.endpoint == f"{proxy.url}?host={route}"
        await fig.op("write", s.write_file("me.txt", f"client {i}"))
        await cb.drop_connection()  # a reconnect must land on the session's host, or the file is not there
        assert await fig.op("reconnect+read", s.read_file("me.txt")) == f"client {i}"
        assert cb._ws.request.path.endswith(f"host={route}")
        outcomes = []
        for r in range(ROUNDS):
            if r == 1:
                # Two clients per host have an execution running when the host is killed.
                ex = None
                if long_runs[route] < 2:
                    long_runs[route] += 1
                    ex = await s.start("print('go', flush=True)\nimport time\ntime.sleep(120)")
                if ex is not None:
                    assert (await ex.__aiter__().__anext__()).data == "go\n"
                done_first_round()
                await killed.wait()
                if ex is not None and route == VICTIM:
                    with pytest.raises(ConnectionLostError):
                        await fig.op("in flight at the kill", asyncio.wait_for(ex.result(), 60))
                elif ex is not None:
                    assert await ex.cancel() and (await ex.result()).cancelled
                if route == VICTIM:  # its connection ends when the host dies: the next call must reconnect
                    await asyncio.wait_for(asyncio.gather(cb._reader, return_exceptions=True), 60)
            try:
                res = await fig.op("run", s.run(f"print({i} * {r})"))
                assert res.stdout == f"{i * r}\n", res
                outcomes.append("ok")
            except SessionHostUnavailableError as e:
                assert e.route == route == VICTIM and e.status == 503 and "session's host is unavailable" in str(e)
                outcomes.append("host unavailable")
        if route == VICTIM:
            cb.unpin()  # its sessions are gone: a fresh connection goes to a live host
            s2 = await fig.op("create", cb.create_session("python"))
            assert s2.info.raw["route"] != VICTIM
            assert (await fig.op("run", s2.run("print('moved')"))).stdout == "moved\n"
        else:
            await s.close()
        await cb.close()
        return route, outcomes, ex is not None

    async def late(i):
        async with AsyncClient(proxy.url, token=TOKENS[f"c{i}"], ping_interval=None) as cb:
            s = await fig.op("create", cb.create_session("python"))
            assert (await fig.op("run", s.run("print(7)"))).stdout == "7\n"
            await s.close()
            return s.info.raw["route"]

    async def main():
        nonlocal first_round, killed
        first_round, killed = asyncio.Event(), asyncio.Event()
        remaining = [CLIENTS]

        def done_first_round():
            remaining[0] -= 1
            if remaining[0] == 0:
                first_round.set()
        tasks = [asyncio.create_task(client(i, done_first_round)) for i in range(CLIENTS)]
        barrier = asyncio.create_task(first_round.wait())
        await asyncio.wait([barrier, *tasks], timeout=300, return_when=asyncio.FIRST_COMPLETED)
        for t in tasks:
            if t.done():
                t.result()  # a client that failed before the kill: its error, now
        assert barrier.done(), "the clients did not all finish their first round"
        victim = hosts[VICTIM]
        victim.proc.send_signal(signal.SIGKILL)
        victim.proc.wait()
        # Deterministic from here: HAProxy has seen the host down (and each client on it waits for its drop).
        await asyncio.to_thread(wait_until, lambda: proxy.get(f"/health/ready?host={VICTIM}")[0] == 503, 30,
                                "HAProxy marks the killed host down")
        killed.set()
        results = await asyncio.wait_for(asyncio.gather(*tasks), 600)
        late_routes = await asyncio.wait_for(asyncio.gather(*(late(i) for i in range(CLIENTS, CLIENTS + LATE_CLIENTS))), 300)
        return results, late_routes

    results, late_routes = asyncio.run(main())
    wall = time.monotonic() - started
    by_host = Counter(route for route, _, _ in results)
    assert set(by_host) == set(HOSTS), by_host  # leastconn spread the first sessions over all three
    for route, outcomes, _ in results:
        if route == VICTIM:
            assert outcomes[0] == "ok" and outcomes[1:] == ["host unavailable"] * (ROUNDS - 1), outcomes
        else:
            assert outcomes == ["ok"] * ROUNDS, (route, outcomes)
    assert VICTIM not in late_routes and set(late_routes) <= set(HOSTS)
    assert proxy.get("/health/ready?host=nope")[0] == 404  # an unknown host id never falls through to a host
    assert sum(1 for route, _, running in results if route == VICTIM and running) == 2
    expected = {"run: SessionHostUnavailableError": by_host[VICTIM] * (ROUNDS - 1),
                "in flight at the kill: ConnectionLostError": 2}
    assert dict(fig.errors) == expected, fig.errors
    with capsys.disabled():
        print("\n" + fig.report(wall) + f"\n  sessions per host at start: {dict(sorted(by_host.items()))}")
