"""Overload turns into waiting, never failure: a burst of clients each creating a session and executing at
once on python and node. Runner starts go through the driver's start gate (one per core at a time, FIFO),
so none of them runs into the runner ready timeout. Real host, real drivers, real WebSockets.
CB_BURST sets the number of clients. They share one (anonymous) principal, so this module's server lets a
principal hold that many sessions: the burst tests waiting, not the per-principal limit."""
import json
import os
import re
import threading

import pytest

from cbclient import Client


BURST = int(os.environ.get("CB_BURST", "60"))  # half python, half javascript (node)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from conftest import Server
    cfg = tmp_path_factory.mktemp("burst") / "config.json"
    cfg.write_text(json.dumps({"security": {"maxSessionsPerPrincipal": BURST}}))
    s = Server("--config", str(cfg))
    yield s
    s.stop()


def test_burst_of_concurrent_session_create_and_execute_has_zero_failures(server):
    failures, results = [], []
    barrier = threading.Barrier(BURST)

    def one(i):
        language = "python" if i % 2 == 0 else "javascript"
        code = f"print({i} * 2)" if language == "python" else f"console.log({i} * 2)"
        try:
            c = Client(server.url)
            try:
                barrier.wait(timeout=60)
                sid = c.session(language)
                r = c.execute(sid, {"type": "execute", "code": code}, timeout=300)
                if not r["success"] or r["result"]["stdout"].strip() != str(i * 2):
                    failures.append((i, language, r))
                else:
                    results.append(i)
            finally:
                c.close()
        except Exception as e:  # noqa: BLE001 - every failure is collected and reported below
            failures.append((i, language, repr(e)))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(BURST)]
    log_start = len(server.logs())
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=400)
    assert not failures, failures[:5]
    assert len(results) == BURST
    logs = server.logs()[log_start:]
    assert not re.search(r"runner not ready after \d+ ms", logs), "a runner start hit the ready timeout"
