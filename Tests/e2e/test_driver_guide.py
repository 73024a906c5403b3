"""The driver author's guide works: its example loops survive any input, and a Ruby driver written in its style
(Tests/Fixtures/drivers/codebeaker-driver-ruby, on codebeaker-sandbox) stays under 150 lines, passes
`codebeaker driver-test`, and is discovered and served by an already-built host started with `--drivers-dir`."""
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import BINARY, BUILD, wait_until

ROOT = BUILD.parents[1]
FIXTURE = ROOT / "Tests" / "Fixtures" / "drivers" / "codebeaker-driver-ruby"
SANDBOX = BUILD / "codebeaker-sandbox"
PROTOCOL_DOC = ROOT / "docs" / "driver-protocol.md"
GUIDE = ROOT / "docs" / "driver-authors-guide.md"
NOT_REQUESTS = ["[]", "1", '"x"', "null", "{}"]


@pytest.fixture(autouse=True)
def needs_ruby_and_the_sandbox_tool():
    if shutil.which("ruby") is None:
        pytest.skip("ruby is not installed (scripts/setup.sh installs it)")
    assert SANDBOX.exists(), f"{SANDBOX} missing: run `swift build`"


def example_loops(doc):
    """Every code block announced by an `<!-- example-loop` comment, so the doc and this test cannot drift."""
    return re.findall(r"<!-- example-loop[^\n]*-->\n```python\n(.*?)```", doc.read_text(), re.S)


def test_the_fixture_is_under_150_lines():
    lines = [line for line in FIXTURE.read_text().splitlines() if line.strip()]
    assert len(lines) < 150, len(lines)


def test_the_guide_quotes_the_fixtures_real_loop():
    quoted = re.search(r"```ruby\n(\$stdin\.each_line.*?)```", GUIDE.read_text(), re.S).group(1)
    assert quoted in FIXTURE.read_text()


@pytest.mark.parametrize("doc", [PROTOCOL_DOC], ids=lambda d: d.name)
def test_the_docs_example_loop_survives_valid_json_that_is_not_a_request(doc, tmp_path):
    loops = example_loops(doc)
    assert loops, f"no example loop found in {doc}"
    for n, code in enumerate(loops):
        script = tmp_path / f"loop{n}.py"
        script.write_text(code)
        lines = NOT_REQUESTS + ["{broken", '{"jsonrpc":"2.0","id":7,"method":"ping","params":[]}',
                                '{"jsonrpc":"2.0","id":8,"method":"handshake","params":{"protocolVersions":5}}',
                                '{"jsonrpc":"2.0","id":9,"method":"ping"}']
        p = subprocess.run([sys.executable, str(script)], input="\n".join(lines) + "\n", capture_output=True,
                           text=True, timeout=30)
        assert p.returncode == 0, p.stderr
        replies = [json.loads(line) for line in p.stdout.splitlines()]
        codes = [r.get("error", {}).get("code") for r in replies]
        assert codes == [-32600] * 5 + [-32700, -32602, -32001, None], p.stdout
        assert all(r["id"] is None for r in replies[:6]), p.stdout
        assert replies[-1] == {"jsonrpc": "2.0", "id": 9, "result": {}}


def test_driver_test_passes_the_ruby_fixture():
    env = dict(os.environ, CODEBEAKER_SANDBOX=str(SANDBOX))
    r = subprocess.run([str(BINARY), "driver-test", str(FIXTURE)], capture_output=True, text=True, timeout=600,
                       env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.fullmatch(r"\d+ passed, 0 failed, 0 skipped", r.stdout.strip().splitlines()[-1]), r.stdout
    # The strict rules, including the isolation ones a sandboxed driver may not skip.
    for rule in ["timeout", "output-cap", "output-order", "signal-death", "shell-cwd", "shell-missing-command",
                 "queued-cancel", "reopen", "no-leak", "no-network", "no-host-env", "no-host-files"]:
        assert f"PASS {rule} " in r.stdout, (rule, r.stdout)


def languages(c):
    return {lang["name"]: lang for lang in c.call("language.list")["languages"]}


def find_workspace(root, sid):
    found = [os.path.join(d, n) for d, names, _ in os.walk(root) for n in names if n == sid]
    return found[0] if found else None


def test_an_already_built_host_discovers_the_ruby_driver_and_runs_ruby(start_server, tmp_path):
    # Installed as an operator would: the driver and the sandbox tool in a directory of their own, added to the
    # built-in ones with --drivers-dir. Nothing is rebuilt: the host binary is the one `swift build` made.
    shutil.copy(FIXTURE, tmp_path / "codebeaker-driver-ruby")
    os.symlink(SANDBOX, tmp_path / "codebeaker-sandbox")
    built = BINARY.stat().st_mtime_ns
    server = start_server(drivers_dir=tmp_path, default_drivers=True)
    c = server.client()
    # runtimeType pins the fixture (its own "Ruby"): a built-in driver may serve ruby too, from a manifest.
    sid = c.session_when_ready("ruby", runtimeType="Ruby")
    # The fixture, and the built-in drivers still there (each listed once its handshake is done).
    langs = wait_until(lambda: "python" in languages(c) and languages(c), what="python next to ruby in language.list")
    assert any(r["driver"] == "ruby" for r in langs["ruby"]["runtimes"]), langs["ruby"]
    assert "rb" in langs["ruby"].get("aliases", []), langs["ruby"]
    r = c.execute(sid, {"type": "execute_code", "code": "puts 1+1"})
    assert r["success"] and r["result"]["stdout"] == "2\n", r
    # Streaming is live (the fixture unbuffers Ruby's stdout): the first line arrives while the program still
    # waits for a file that the test only creates after seeing it.
    c.send_raw(json.dumps({"jsonrpc": "2.0", "id": 900, "method": "session.execute", "params": {
        "sessionId": sid, "stream": True, "command": {"type": "execute_code", "timeoutMs": 20000,
                                                      "code": 'puts "first"\nsleep 0.01 until File.exist?("go")\nputs "second"'}}}))
    first = c.recv_json(timeout=20)
    assert first.get("method") == "session.output" and first["params"]["data"] == "first\n", first
    workspace = find_workspace(server.workspace_root, sid)
    assert workspace, f"workspace of {sid} not found under {server.workspace_root}"
    open(os.path.join(workspace, "go"), "w").close()
    done = c.wait_for(900, timeout=30)
    assert done["result"]["result"]["stdout"] == "first\nsecond\n", done
    assert BINARY.stat().st_mtime_ns == built
    c.close()
    assert "codebeaker-driver-ruby" in server.logs()


class Driver:
    """The fixture on its own stdio, as the host would run it."""

    def __init__(self):
        self.p = subprocess.Popen([str(FIXTURE)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                  env=dict(os.environ, CODEBEAKER_SANDBOX=str(SANDBOX)))
        self.replies = {}

    def send(self, rid, method, params):
        self.p.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}) + "\n")
        self.p.stdin.flush()

    def reply(self, rid):
        while rid not in self.replies:
            msg = json.loads(self.p.stdout.readline())
            if "id" in msg:
                self.replies[msg["id"]] = msg
        return self.replies.pop(rid)

    def call(self, rid, method, params):
        self.send(rid, method, params)
        return self.reply(rid)

    def close(self):
        self.p.stdin.close()
        assert self.p.wait(timeout=10) == 0


def test_a_run_cancelled_while_queued_is_answered_at_once_and_never_runs():
    tmp = tempfile.TemporaryDirectory(prefix="cb-guide-")  # not pytest's: its 0700 parents hide it from the uid
    os.chmod(tmp.name, 0o711)
    workspace = pathlib.Path(tmp.name) / "ws"
    workspace.mkdir()
    os.chown(workspace, 100998, 100998)
    d = Driver()
    assert "result" in d.call(1, "handshake", {"protocolVersions": [1]})
    sid = "s_guide_queue"
    assert d.call(2, "session.open", {"session": sid, "workspace": str(workspace), "options": {}})["result"]["handle"]
    # An open of the same session again is idempotent: the same handle.
    assert d.call(3, "session.open", {"session": sid, "workspace": str(workspace), "options": {}})["result"]["handle"] \
        == f"rb:{sid}"
    d.send(10, "execute", {"session": sid, "handle": f"rb:{sid}", "code": 'sleep 0.01 until File.exist?("go")',
                           "timeoutMs": 30000})
    d.send(11, "execute", {"session": sid, "handle": f"rb:{sid}", "code": 'File.write("ran", "yes")'})
    assert d.call(12, "cancel", {"request": 11})["result"] == {"cancelled": True}
    queued = d.reply(11)  # answered while 10 still runs: it waits for a file nobody has written yet
    assert queued["result"]["cancelled"] is True and queued["result"]["exitCode"] is None, queued
    (workspace / "go").touch()
    first = d.reply(10)
    assert first["result"]["exitCode"] == 0, first
    # A run sent after both is served in order; had 11 been started anyway, it would have run before this one.
    after = d.call(13, "shell", {"session": sid, "handle": f"rb:{sid}", "command": "ls", "args": ["/workspace"]})
    assert after["result"]["stdout"] == "go\n", after
    assert d.call(14, "cancel", {"request": 11})["result"] == {"cancelled": False}
    assert d.call(15, "session.close", {"session": sid})["result"] == {"closed": True}
    d.close()
    tmp.cleanup()
