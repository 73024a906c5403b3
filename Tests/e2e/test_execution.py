"""Execution behaviour over a real WebSocket: limits, input, streaming, cancel, state, lifecycle."""
import json
import time

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


def test_streaming_sends_ordered_chunks_before_result(client):
    sid = new_session(client, "python")
    code = "import sys, time\nfor i in range(5):\n    print(i, flush=True)\n    time.sleep(0.05)"
    resp = client.request("session.execute", {"sessionId": sid, "stream": True,
                                              "command": {"type": "execute_code", "code": code}})
    rid = resp["id"]
    chunks = [n["params"] for n in client.notifications
              if n["method"] == "session.output" and n["params"]["requestId"] == rid]
    assert [c["seq"] for c in chunks] == list(range(len(chunks)))
    assert "".join(c["data"] for c in chunks if c["stream"] == "stdout") == "0\n1\n2\n3\n4\n"
    assert resp["result"]["result"]["stdout"] == "0\n1\n2\n3\n4\n"


def test_cancel_stops_running_execution_and_late_cancel_is_harmless(server):
    c = server.client()
    sid = c.session("python")
    c.send_raw(json.dumps({"jsonrpc": "2.0", "id": 500, "method": "session.execute",
                           "params": {"sessionId": sid, "command": {"type": "execute_code", "code": "import time\ntime.sleep(60)"}}}))
    deadline = time.time() + 10
    cancelled = False
    while time.time() < deadline and not cancelled:
        cancelled = c.call("session.cancel", {"sessionId": sid, "requestId": 500})["cancelled"]
        if not cancelled:
            time.sleep(0.05)
    assert cancelled
    r = c.wait_for(500, timeout=15)
    assert r["result"]["success"] is False and r["result"]["result"]["cancelled"] is True
    assert c.call("session.cancel", {"sessionId": sid, "requestId": 500})["cancelled"] is False
    c.close()


def test_a_disconnected_clients_execution_is_cancelled_and_frees_the_session(server):
    """Its result has nowhere to go: it must not hold a stateful session (one execution at a time) until its
    timeout. A second connection of the same principal then runs at once."""
    a = server.client()
    sid = a.call("session.create", {"language": "python", "stateful": True})["sessionId"]
    a.send_raw(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.execute", "params": {"sessionId": sid, "command": {
        "type": "execute_code", "code": "open('/workspace/started', 'w').close()\nimport time\ntime.sleep(120)", "timeout": 200}}}))
    b = server.client()
    deadline = time.time() + 20
    while not b.execute(sid, {"type": "list_files", "path": "."})["result"]["count"] and time.time() < deadline:
        time.sleep(0.05)  # polling for the sleeper to start, not sleeping for a result
    a.close(close_sessions=False)
    r = b.execute(sid, {"type": "execute_code", "code": "print(1)"}, timeout=60)
    assert r["success"] and r["result"]["stdout"] == "1\n", r
    b.call("session.close", {"sessionId": sid})
    b.close()


def test_long_execution_does_not_block_other_requests_on_the_socket(server):
    c = server.client()
    sid = c.session("python")
    c.send_raw(json.dumps({"jsonrpc": "2.0", "id": 900, "method": "session.execute",
                           "params": {"sessionId": sid, "command": {"type": "execute_code", "code": "import time\ntime.sleep(3)\nprint('slow')"}}}))
    t = time.time()
    c.call("session.list")
    assert time.time() - t < 1.5
    assert c.wait_for(900, timeout=30)["result"]["result"]["stdout"] == "slow\n"
    c.close()


def test_sessions_outlive_their_connection(server):
    a = server.client()
    sid = a.session("python")
    a.execute(sid, {"type": "write_file", "path": "keep.txt", "content": "still here"})
    a.close(close_sessions=False)
    b = server.client()
    b.sessions.append(sid)
    assert b.execute(sid, {"type": "read_file", "path": "keep.txt"})["result"]["content"] == "still here"
    b.close()


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


def test_execution_run_is_stateless(client):
    r = client.call("execution.run", {"language": "python", "code": "print(6*7)"})
    assert r["stdout"] == "42\n" and r["success"] is True
    st = client.call("execution.status", {"executionId": r["executionId"]})
    assert st["status"] == "completed" and st["stdout"] == "42\n"
