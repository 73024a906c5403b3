"""Execution behaviour over a real WebSocket: limits, input, streaming, cancel, state, lifecycle.
Streaming, cancel, concurrency on one socket and sessions across connections use the Python client
(clients/python, installed by scripts/setup.sh --test) instead of hand-written JSON."""
import time

import codebeaker
import pytest

LANGS = ["python", "javascript"]
PRINT = {"python": "print({})", "javascript": "console.log({})"}


def new_session(client, language="python", **params):
    return client.session(language, **params)


def run(client, sid, code, **cmd):
    command = {"type": "execute_code", "code": code}
    command.update(cmd)
    return client.execute(sid, command)


@pytest.mark.parametrize("lang", LANGS)
def test_print_and_exit_code(client, lang):
    sid = new_session(client, lang)
    r = run(client, sid, PRINT[lang].format("6*7"))
    assert r["success"] is True and r["result"]["stdout"] == "42\n" and r["result"]["exitCode"] == 0
    bad = run(client, sid, "import sys; sys.exit(3)" if lang == "python" else "process.exit(3)")
    assert bad["success"] is False and bad["result"]["exitCode"] == 3 and "3" in bad["error"]


@pytest.mark.parametrize("lang", LANGS)
def test_fresh_program_per_call_by_default(client, lang):
    sid = new_session(client, lang)
    run(client, sid, "x = 10" if lang == "python" else "globalThis.x = 10")
    r = run(client, sid, "print(x)" if lang == "python" else "console.log(typeof x)")
    if lang == "python":
        assert r["success"] is False and "NameError" in r["result"]["stderr"]
    else:
        assert r["result"]["stdout"] == "undefined\n"


@pytest.mark.parametrize("lang", LANGS)
def test_stateful_mode_keeps_variables(client, lang):
    sid = new_session(client, lang, stateful=True)
    assert run(client, sid, "x = 10" if lang == "python" else "var x = 10")["success"]
    r = run(client, sid, PRINT[lang].format("x"))
    assert r["result"]["stdout"] == "10\n", r


@pytest.mark.parametrize("lang", LANGS)
def test_stdin_and_env_are_passed(client, lang):
    sid = new_session(client, lang)
    code = ("import sys, os\nprint(sys.stdin.read().upper(), os.environ['GREETING'])" if lang == "python"
            else "const fs=require('fs');console.log(fs.readFileSync(0,'utf8').toUpperCase(), process.env.GREETING)")
    r = run(client, sid, code, stdin="hi", env={"GREETING": "hello"})
    assert r["result"]["stdout"] == "HI hello\n", r


@pytest.mark.parametrize("lang", LANGS)
def test_timeout_kills_and_session_survives(client, lang):
    sid = new_session(client, lang)
    code = "while True: pass" if lang == "python" else "while (true) {}"
    t = time.time()
    r = run(client, sid, code, timeout=2)
    assert time.time() - t < 15
    assert r["success"] is False and r["result"]["timedOut"] is True
    assert "timed out" in r["error"]
    assert run(client, sid, PRINT[lang].format(1))["result"]["stdout"] == "1\n"


def test_output_cap_flags_truncation(client):
    sid = new_session(client, "python")
    r = run(client, sid, "import sys\nsys.stdout.write('x' * 5_000_000)\nprint('tail', file=sys.stderr)")
    res = r["result"]
    assert res["stdoutTruncated"] is True and res["truncated"] is True
    assert len(res["stdout"]) <= 1_100_000
    assert res["stderr"] == "tail\n"


@pytest.fixture
def sdk(server):
    with codebeaker.Client(server.url) as c:
        yield c


def test_streaming_sends_ordered_chunks_before_result(sdk):
    code = "import sys, time\nfor i in range(5):\n    print(i, flush=True)\n    time.sleep(0.05)"
    chunks = []
    with sdk.create_session("python") as s:
        r = s.run(code, on_output=chunks.append)
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    assert "".join(c.data for c in chunks if c.stream == "stdout") == "0\n1\n2\n3\n4\n"
    assert r.stdout == "0\n1\n2\n3\n4\n"


def test_cancel_stops_running_execution_and_late_cancel_is_harmless(sdk):
    with sdk.create_session("python") as s:
        ex = s.start("import time\ntime.sleep(60)")
        assert ex.cancel() is True  # repeated by the client until the server has registered the execution
        r = ex.result()
        assert r.success is False and r.cancelled is True
        assert sdk.cancel(session_id=s.id, request_id=ex.request_id) is False


def test_a_disconnected_clients_execution_is_cancelled_and_frees_the_session(server):
    """Its result has nowhere to go: it must not hold a stateful session (one execution at a time) until its
    timeout. A second connection of the same principal then runs at once."""
    a = codebeaker.Client(server.url)
    sid = a.create_session("python", stateful=True).id
    a.session(sid).start("open('/workspace/started', 'w').close()\nimport time\ntime.sleep(120)", timeout=200)
    with codebeaker.Client(server.url) as b:
        s = b.session(sid)
        deadline = time.time() + 20
        while not s.list_files(".") and time.time() < deadline:
            time.sleep(0.05)  # polling for the sleeper to start, not sleeping for a result
        a.close()
        r = s.run("print(1)")
        assert r.success and r.stdout == "1\n", r
        s.close()


def test_long_execution_does_not_block_other_requests_on_the_socket(sdk):
    with sdk.create_session("python") as s:
        ex = s.start("import time\ntime.sleep(3)\nprint('slow')")
        t = time.time()
        sdk.list_sessions()
        assert time.time() - t < 1.5
        assert ex.result().stdout == "slow\n"


def test_sessions_outlive_their_connection(server):
    with codebeaker.Client(server.url) as a:
        s = a.create_session("python")
        s.write_file("keep.txt", "still here")
    with codebeaker.Client(server.url) as b:
        with b.session(s.id) as again:
            assert again.read_file("keep.txt") == "still here"


def test_idle_session_is_reaped(client):
    sid = new_session(client, "python", idleTimeoutMinutes=0.02)
    deadline = time.time() + 30
    while time.time() < deadline:
        ids = [s["sessionId"] for s in client.call("session.list")["sessions"]]
        if sid not in ids:
            break
        time.sleep(0.2)
    assert sid not in ids
    r = client.request("session.execute", {"sessionId": sid, "command": {"type": "read_file", "path": "x"}})
    assert r["error"]["code"] == -32001


def test_close_is_idempotent_and_removes_workspace(server, client):
    sid = new_session(client, "python")
    client.execute(sid, {"type": "write_file", "path": "a.txt", "content": "x"})
    assert client.call("session.close", {"sessionId": sid})["closed"] is True
    assert client.call("session.close", {"sessionId": sid})["closed"] is True
    import os
    assert not any(sid in d for d in os.listdir(server.workspace_root))


def test_unknown_language_lists_installed_ones(client):
    r = client.request("session.create", {"language": "klingon"})
    assert r["error"]["code"] == -32002
    assert "python" in r["error"]["message"]


def test_bad_params_name_the_field(client):
    r = client.request("session.execute", {"sessionId": 5, "command": {}})
    assert r["error"]["code"] == -32602 and "sessionId" in r["error"]["message"]
    sid = new_session(client, "python")
    r = client.request("session.execute", {"sessionId": sid, "command": {"type": "write_file", "content": "x"}})
    assert r["error"]["code"] == -32602 and "path" in r["error"]["message"]


def test_execution_run_is_stateless(sdk):
    r = sdk.run("python", "print(6*7)")
    assert r.stdout == "42\n" and r.success is True
    st = sdk.call("execution.status", {"executionId": r.execution_id})
    assert st["status"] == "completed" and st["stdout"] == "42\n"
