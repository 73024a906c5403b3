"""Drivers installed without rebuilding: copy an executable into a drivers directory of the already built host.

Needs `swift build` (the `codebeaker` binary); nothing here rebuilds it."""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time

import pytest

from conftest import BINARY, ROOT, wait_until
from cbclient import RPCError

EXAMPLE = ROOT / "examples" / "drivers" / "codebeaker-driver-bash"
FIXTURES = ROOT / "Tests" / "HostTests" / "Fixtures" / "drivers"


@pytest.fixture
def drivers_dir():
    d = tempfile.mkdtemp(prefix="cb-drivers-")
    shutil.copy(EXAMPLE, os.path.join(d, "codebeaker-driver-bash"))
    yield d
    shutil.rmtree(d, ignore_errors=True)


def install(drivers_dir, fixture, name):
    dest = os.path.join(drivers_dir, "codebeaker-driver-" + name)
    shutil.copy(FIXTURES / fixture, dest)
    os.chmod(dest, 0o755)


def driver(snapshot, name):
    found = [d for d in snapshot if d["name"] == name]
    assert found, f"driver {name} not in {[d['name'] for d in snapshot]}"
    return found[0]


def test_copied_example_driver_serves_its_language(start_server, drivers_dir):
    server = start_server(drivers_dir=drivers_dir)
    c = server.client()
    init = c.call("initialize")
    bash = driver(init["drivers"], "bash")
    assert bash["state"] == "ready"
    # The copy is not beside codebeaker-sandbox and the tests set no CODEBEAKER_SANDBOX: the host names the
    # tool installed beside it, and the driver runs its code in that sandbox.
    assert bash["capabilities"]["isolationLevel"] == 6
    assert "bash" in [l["language"] for l in init["languages"]]
    langs = c.call("language.list")["languages"]
    entry = [l for l in langs if l["language"] == "bash"][0]
    assert "sh" in entry["aliases"]
    assert entry["runtimes"][0]["driver"] == "bash"
    c.close()


def test_misbehaving_drivers_are_marked_while_the_host_serves_the_rest(start_server, drivers_dir):
    install(drivers_dir, "wrong-version.py", "wrong")
    install(drivers_dir, "unavailable.py", "cobol")
    install(drivers_dir, "garbage.sh", "garbage")
    install(drivers_dir, "flood-stderr.sh", "flood")
    server = start_server(drivers_dir=drivers_dir)
    status, body = server.http("/health/ready")
    assert status == 200
    c = server.client()

    def settled():
        snap = c.call("initialize")["drivers"]
        return snap if driver(snap, "wrong")["state"] == "failed" and driver(snap, "cobol")["state"] == "unavailable" else None

    snap = wait_until(settled, what="drivers settled")
    assert "protocol version mismatch" in driver(snap, "wrong")["reason"]
    cobol = driver(snap, "cobol")
    assert cobol["reason"] == "cobc not found on PATH" and cobol["installHint"] == "apt-get install gnucobol"
    garbage = driver(snap, "garbage")
    assert garbage["state"] in ("restarting", "starting", "failed")
    assert driver(snap, "bash")["state"] == "ready"
    assert [l["language"] for l in c.call("language.list")["languages"]] == ["bash"]
    # The flooding driver's stderr reaches the log, prefixed with its name, but rate-limited.
    logs = server.logs()
    assert "[driver.flood] flood flood" in logs
    assert logs.count("flood flood") < 1000
    c.close()


def test_kill_minus_9_restarts_the_driver_and_the_host_stays_up(start_server, drivers_dir):
    server = start_server(drivers_dir=drivers_dir)
    c = server.client()
    before = driver(c.call("initialize")["drivers"], "bash")
    os.kill(before["pid"], signal.SIGKILL)

    def restarted():
        d = driver(c.call("initialize")["drivers"], "bash")
        return d if d["state"] == "ready" and d["restarts"] == 1 else None

    after = wait_until(restarted, timeout=10, what="driver restarted")
    assert after["pid"] != before["pid"]
    assert after["lastError"] == "killed by signal 9 (SIGKILL)"
    assert server.http("/health/ready")[0] == 200
    c.close()


def test_session_in_the_copied_language_runs_end_to_end(start_server, drivers_dir):
    server = start_server(drivers_dir=drivers_dir)
    c = server.client()
    sid = c.session("bash")
    r = c.execute(sid, {"type": "execute", "code": 'echo "hello from $BASH_VERSION" | cut -c1-10; pwd'})
    assert r["success"], r
    assert r["result"]["stdout"].startswith("hello from")
    c.call("session.close", {"sessionId": sid})
    c.close()




def verdicts(stdout):
    return {l.split()[1].rstrip(":"): l.split()[0] for l in stdout.splitlines() if l.split()[:1] in (["PASS"], ["FAIL"], ["SKIP"])}


def test_driver_test_command_passes_the_example_and_fails_a_broken_driver():
    ok = subprocess.run([str(BINARY), "driver-test", str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    v = verdicts(ok.stdout)
    assert ok.returncode == 0 and not [k for k, x in v.items() if x == "FAIL"], ok.stdout + ok.stderr
    assert v.get("queued-cancel") == "PASS", ok.stdout  # one queue per session, answered at once when cancelled
    # Isolation 6 on the sandbox tool: the isolation checks apply, and pass.
    for rule in ("no-leak", "no-network", "no-host-env", "no-host-files"):
        assert v.get(rule) == "PASS", (rule, ok.stdout)
    assert ok.stdout.strip().splitlines()[-1].endswith(" 0 skipped")
    bad = subprocess.run([str(BINARY), "driver-test", str(FIXTURES / "broken-driver.py")], capture_output=True, text=True, timeout=120)
    assert bad.returncode == 1
    assert "FAIL stdout-protocol-only" in bad.stdout
    assert "FAIL stdin-eof" in bad.stdout


def test_driver_test_fails_a_lax_driver_that_ignores_timeouts_and_caps():
    """The example with its rules taken out (no timeout, no output cap) and a false isolationLevel 6."""
    r = subprocess.run([str(BINARY), "driver-test", str(FIXTURES / "codebeaker-driver-lax")], capture_output=True, text=True, timeout=120)
    assert r.returncode == 1, r.stdout
    failed = {k for k, x in verdicts(r.stdout).items() if x == "FAIL"}
    assert {"timeout", "output-cap", "no-network", "no-host-files", "no-leak"} <= failed, r.stdout
    assert "FAIL timeout: " in r.stdout and "(docs/driver-protocol.md#execution-semantics)" in r.stdout
    assert "(docs/driver-protocol.md#shell)" in r.stdout
    # Its leaked `sleep`s were the kit's own probes: the kit killed them.
    leaked = [l for l in r.stdout.splitlines() if l.startswith("FAIL no-leak")][0]
    pids = [int(p) for p in re.findall(r"\bpid (\d+) ", leaked)]
    assert pids, leaked
    for pid in pids:
        try:
            state = [l for l in open(f"/proc/{pid}/status") if l.startswith("State:")][0]
        except OSError:
            continue  # gone
        assert "zombie" in state, (pid, state)


def test_drivers_list_shows_state_reason_and_install_hint(drivers_dir):
    install(drivers_dir, "unavailable.py", "cobol")
    r = subprocess.run([str(BINARY), "drivers", "list", "--drivers-dir", drivers_dir], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    rows = {l.split()[0]: l.split() for l in r.stdout.splitlines() if l and not l.startswith(" ")}
    assert rows["bash"][1] == "ready"
    assert rows["cobol"][1] == "unavailable"
    assert "cobc not found on PATH" in r.stdout and "apt-get install gnucobol" in r.stdout


def test_kill_minus_9_during_a_session_execution_fails_fast_and_the_session_keeps_working(start_server, drivers_dir):
    import threading
    server = start_server(drivers_dir=drivers_dir)
    c = server.client()
    init = c.call("initialize")
    sid = c.session("bash")
    assert c.execute(sid, {"type": "write_file", "path": "kept.txt", "content": "still here\n"})["success"]
    pid = driver(init["drivers"], "bash")["pid"]
    runner = server.client()
    outcome = {}

    def long_run():
        try:
            outcome["response"] = runner.execute(sid, {"type": "execute", "code": "sleep 30"})
        except RPCError as e:
            outcome["response"] = str(e)
        outcome["at"] = time.time()

    t = threading.Thread(target=long_run)
    t.start()
    time.sleep(0.5)
    killed_at = time.time()
    os.kill(pid, signal.SIGKILL)
    t.join(timeout=10)
    assert outcome["at"] - killed_at < 1, outcome
    assert "crashed" in str(outcome["response"]), outcome
    # The workspace survived; the session is re-opened in the restarted driver.
    r = c.execute(sid, {"type": "execute", "code": "cat kept.txt"})
    assert r["success"] and r["result"]["stdout"] == "still here\n", r
    runner.close()
    c.close()
