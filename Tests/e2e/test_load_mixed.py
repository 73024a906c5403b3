"""Load: thousands of plain executions across all five runtimes from concurrent clients, while CPU burners run
(busy loops inside sessions, timed out and rerun, and busy processes on the host). Every execution must succeed
with its own output: zero failures. Real host, real drivers, real WebSockets.

CB_LOAD_TOTAL sets the number of plain executions (default 3000), CB_LOAD_CLIENTS the clients per runtime
(default 3), CB_LOAD_HOST_BURNERS the busy host processes (default 2, plus one busy session per flavor).
The defaults take about 30-50 s on a 2-core machine (4,000 took 41 s at a load average of 17)."""
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from attacks_util import RUNTIMES, installed, run_code, server_env
from cbclient import Client

TOTAL = int(os.environ.get("CB_LOAD_TOTAL", "3000"))
CLIENTS_PER_RUNTIME = int(os.environ.get("CB_LOAD_CLIENTS", "3"))
HOST_BURNERS = int(os.environ.get("CB_LOAD_HOST_BURNERS", "2"))

# Each execution prints a value only it knows, so a reply given to the wrong request cannot pass.
CODE = {"py": "print({n} * 7, 'load-{n}')", "js": "console.log({n} * 7, 'load-{n}')"}
BUSY = {"py": "while True: pass", "js": "for (;;) {}"}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    from conftest import Server
    cfg = tmp_path_factory.mktemp("load") / "config.json"
    # Rate limits off the path: this measures the execution path under load, not the limiter.
    cfg.write_text(json.dumps({"security": {
        "executionsPerMinute": 100000, "maxExecutionsPerSession": 1000000, "requestsPerSecond": 1000000,
        "requestBurst": 1000000, "maxSessionsPerPrincipal": 1000, "principalExecutionsPerMinute": 100000}}))
    s = Server("--config", str(cfg), env=server_env())
    yield s
    s.stop()


@pytest.fixture(scope="module")
def runtimes(srv):
    """All five runtimes, each ready; a missing one is a skip with its reason (a failure under CI=true)."""
    missing = [reason for reason in (installed(srv, rt, timeout=60) for rt in RUNTIMES) if reason]
    if missing:
        pytest.skip("; ".join(missing))
    return RUNTIMES


class Burners:
    """CPU burners for the whole run: one session per flavor rerunning a busy loop until its timeout kills it
    (each of those runs must end timed out), and busy processes on the host."""

    def __init__(self, srv, runtimes):
        self.stop = threading.Event()
        self.errors, self.runs = [], 0
        self.host = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(HOST_BURNERS)]
        flavors = {rt.flavor: rt for rt in runtimes if rt.name != "docker"}
        self.threads = [threading.Thread(target=self.burn, args=(srv, rt), daemon=True) for rt in flavors.values()]
        for t in self.threads:
            t.start()

    def burn(self, srv, rt):
        c = Client(srv.url)
        try:
            sid = c.session(**rt.create)
            while not self.stop.is_set():
                # 5 s: a job's own timeout also bounds its wait for the runner restarted after the last kill
                # (RunnerProcess.run), and a restart on a loaded 2-core machine can take over 2 s.
                r = run_code(c, sid, BUSY[rt.flavor], timeout=5)
                self.runs += 1
                if not (r["result"] or {}).get("timedOut"):
                    self.errors.append((rt.name, r))
        except Exception as e:  # noqa: BLE001 - reported by the test
            self.errors.append((rt.name, repr(e)))
        finally:
            c.close()

    def close(self):
        self.stop.set()
        for p in self.host:
            p.kill()
            p.wait()
        for t in self.threads:
            t.join(timeout=30)


def test_thousands_of_executions_on_all_runtimes_under_cpu_load_have_zero_failures(srv, runtimes):
    clients = [(rt, k) for rt in runtimes for k in range(CLIENTS_PER_RUNTIME)]
    per_client = -(-TOTAL // len(clients))
    failures, done, lock = [], [0], threading.Lock()
    sessions_ready = threading.Barrier(len(clients) + 1)

    def one_client(rt, k):
        c = None
        try:
            c = Client(srv.url)
            sid = c.session_when_ready(timeout=120, **rt.create)
        except Exception as e:  # noqa: BLE001 - every failure is collected and reported below
            failures.append((rt.name, k, "session", repr(e)))
        sessions_ready.wait(timeout=300)
        try:
            for i in range(per_client if c and not failures else 0):
                n = (k * per_client + i) * 10 + RUNTIMES.index(rt)
                try:
                    r = run_code(c, sid, CODE[rt.flavor].format(n=n), timeout=30)
                    ok = r["success"] and r["result"]["stdout"] == f"{n * 7} load-{n}\n" and not r["result"]["stderr"]
                except Exception as e:  # noqa: BLE001
                    r, ok = repr(e), False
                if not ok:
                    failures.append((rt.name, k, n, r))
                with lock:
                    done[0] += 1
        finally:
            if c:
                c.close()

    threads = [threading.Thread(target=one_client, args=ck) for ck in clients]
    for t in threads:
        t.start()
    burners = Burners(srv, runtimes)
    try:
        sessions_ready.wait(timeout=300)  # sessions (and docker containers) are made before the clock starts
        start = time.monotonic()
        for t in threads:
            t.join(timeout=600)
        elapsed = time.monotonic() - start
    finally:
        burners.close()
    print(f"\n{done[0]} executions on {len(runtimes)} runtimes from {len(clients)} clients in {elapsed:.1f} s "
          f"({done[0] / elapsed:.0f}/s), {burners.runs} busy runs timed out meanwhile, {HOST_BURNERS} host burners")
    assert not failures, f"{len(failures)} failed: {failures[:5]}"
    assert done[0] == per_client * len(clients)
    assert not burners.errors, burners.errors[:5]
    assert burners.runs >= len(burners.threads), "the burners never ran"
    assert srv.proc.poll() is None, "server exited:\n" + srv.logs()[-3000:]
