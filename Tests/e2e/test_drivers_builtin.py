"""Our own drivers, as built by `swift build`: each passes the conformance kit, and the host survives kill -9."""
import os
import signal
import subprocess
import threading
import time

import pytest

from conftest import BINARY, BUILD, wait_until
from cbclient import RPCError

DRIVERS = ["python", "node", "deno", "bun", "docker"]


def built(name):
    path = BUILD / ("codebeaker-driver-" + name)
    if not os.access(path, os.X_OK):
        pytest.skip(f"{path} not built")
    return path


@pytest.mark.parametrize("name", DRIVERS)
def test_built_driver_passes_the_conformance_kit(name):
    path = built(name)
    r = subprocess.run([str(BINARY), "driver-test", str(path)], capture_output=True, text=True, timeout=600)
    lines = r.stdout.strip().splitlines()
    caps = next((l for l in lines if l.split()[1:2] == ["capabilities"]), "")
    if ", unavailable)" in caps:
        # The runtime is missing here: the driver must still say so properly, everything else must pass.
        session_checks = ("session-open", "execute-streaming", "nonzero-exit", "cancel", "session-close")
        failed = [l for l in lines if l.startswith("FAIL") and l.split()[1].rstrip(":") not in session_checks]
        assert not failed, r.stdout + r.stderr[-2000:]
        return
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    assert lines[-1].endswith(" 0 failed")


def driver(snapshot, name):
    return [d for d in snapshot if d["name"] == name][0]


def test_kill_minus_9_of_the_python_driver_during_an_execution(start_server):
    built("python")
    server = start_server()
    c = server.client()
    # /health/ready only says some driver is ready; wait for this one.
    init = wait_until(lambda: (lambda i: i if driver(i["drivers"], "python")["state"] != "starting" else None)(c.call("initialize")), 30, what="python driver settled")
    py = driver(init["drivers"], "python")
    assert py["state"] == "ready", py
    has_sessions = "session.create" in init["capabilities"]["methods"]
    outcome = {}
    if has_sessions:
        sid = c.session("python")
        runner = server.client()

        def long_run():
            try:
                outcome["result"] = runner.execute(sid, {"type": "execute", "code": "import time; time.sleep(30)"})
            except RPCError as e:
                outcome["error"] = e
            outcome["at"] = time.time()

        t = threading.Thread(target=long_run)
        t.start()
        time.sleep(1)
    killed_at = time.time()
    os.kill(py["pid"], signal.SIGKILL)
    if has_sessions:
        t.join(timeout=10)
        assert "at" in outcome, "the execution did not end after the driver was killed"
        assert outcome["at"] - killed_at < 1.5
        text = str(outcome.get("error") or outcome.get("result"))
        assert "crashed" in text, text
        runner.close()

    def restarted():
        d = driver(c.call("initialize")["drivers"], "python")
        return d if d["state"] == "ready" and d["restarts"] == 1 else None

    after = wait_until(restarted, 30, what="driver restarted")
    assert after["pid"] != py["pid"]
    if has_sessions:
        r = c.execute(sid, {"type": "execute", "code": "print(6 * 7)"})
        assert r["result"]["stdout"] == "42\n", r
    c.close()
