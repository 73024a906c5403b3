"""Installing or removing a driver while the host runs takes effect without a restart (DriverRegistry+Rescan): the
host is started on a drivers directory holding only the python driver; linking the node driver in makes
JavaScript appear, and removing it makes JavaScript disappear, with its sessions ended by a clear error (a run in
flight fails with it, a later call names it). Tests/packaging/test_install.py does the same with the packages."""
import threading

from cbclient import RPCError
from conftest import BUILD, wait_until

# Says it started (a file, which the test reads with a file command, which runs beside it), then spins.
BUSY_JS = ("require('fs').writeFileSync('started', '1'); "
           "const t0 = Date.now(); while (Date.now() - t0 < 120000) {}")


def languages(c):
    return {lang["language"] for lang in c.call("language.list")["languages"]}


def test_a_driver_linked_in_appears_and_removed_ends_its_sessions_clearly(start_server, tmp_path):
    (tmp_path / "codebeaker-driver-python").symlink_to(BUILD / "codebeaker-driver-python")
    server = start_server(drivers_dir=str(tmp_path))
    c = server.client()
    assert "python" in languages(c) and "javascript" not in languages(c)

    (tmp_path / "codebeaker-driver-node").symlink_to(BUILD / "codebeaker-driver-node")
    wait_until(lambda: "javascript" in languages(c), 30, "javascript listed after the node driver was added")
    sid = c.session_when_ready("javascript")
    r = c.execute(sid, {"type": "execute", "code": "console.log(6 * 7)"})
    assert r["success"] and r["result"]["stdout"] == "42\n", r
    assert "driver installed; starting it" in server.logs()

    # A run in flight when the driver goes away.
    runner = server.client()
    outcome = {}
    started = threading.Event()

    def busy():
        started.set()
        try:
            outcome["result"] = runner.execute(sid, {"type": "execute", "code": BUSY_JS}, timeout=60)
        except RPCError as e:
            outcome["error"] = e.message

    def run_started():
        return c.execute(sid, {"type": "read_file", "path": "started"})["success"]

    t = threading.Thread(target=busy)
    t.start()
    assert started.wait(10)
    wait_until(run_started, 30, "the busy run started")
    (tmp_path / "codebeaker-driver-node").unlink()
    wait_until(lambda: "javascript" not in languages(c), 30, "javascript gone after the node driver was removed")
    t.join(60)
    assert not t.is_alive(), "the run in flight did not end when its driver was removed"
    text = str(outcome)
    assert "uninstalled" in text and "node" in text, outcome
    try:
        later = c.execute(sid, {"type": "execute", "code": "1"})
        raise AssertionError(f"the session still answers: {later}")
    except RPCError as e:
        assert e.code == -32001 and "uninstalled" in e.message, e.message
    assert "driver removed from its directory" in server.logs()
    # Python was never touched.
    py = c.session("python")
    assert c.execute(py, {"type": "execute", "code": "print(6 * 7)"})["result"]["stdout"] == "42\n"
    runner.close(close_sessions=False)
    c.close()
