"""Tenancy: with two principals, bob cannot see or touch alice's sessions and executions, and gets exactly the
answer a missing session gets; authentication happens on the upgrade (401), by header, query or subprotocol; and
a non-loopback bind needs tokens or an explicit --insecure."""
import json
import os
import re
import subprocess

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from attacks_util import server_env, print1, record
from cbclient import Client
from conftest import BINARY
from test_transport import raw_upgrade

TOK_A = "tokA-" + os.urandom(12).hex()
TOK_B = "tokB-" + os.urandom(12).hex()


@pytest.fixture(scope="module")
def srv():
    from conftest import Server
    s = Server(env=server_env(CODEBEAKER_TOKENS=f"alice:{TOK_A},bob:{TOK_B}"))
    yield s
    s.stop()


def as_(srv, token):
    return Client(srv.url, headers={"Authorization": f"Bearer {token}"})


@pytest.fixture(scope="module")
def alice(srv):
    c = as_(srv, TOK_A)
    sid = c.session_when_ready("python")  # the python driver may still be starting
    assert c.execute(sid, {"type": "write_file", "path": "mine.txt", "content": "alice's"})["success"]
    yield c, sid
    c.close()


@pytest.fixture
def bob(srv):
    c = as_(srv, TOK_B)
    yield c
    c.close()


def same_as_missing(c, method, params, sid, missing="s_" + "0" * 32):
    """bob's answer about alice's session equals his answer about a session that does not exist."""
    real = c.request(method, params)
    fake = c.request(method, json.loads(json.dumps(params).replace(sid, missing)))
    real.pop("id"), fake.pop("id")
    assert json.dumps(real).replace(sid, "<id>") == json.dumps(fake).replace(missing, "<id>"), (real, fake)
    return real


def alice_still_fine(alice):
    c, sid = alice
    r = c.execute(sid, {"type": "read_file", "path": "mine.txt"})
    assert r["success"] and r["result"]["content"] == "alice's", r
    assert print1(c, sid, "py")["result"]["stdout"] == "1\n"


def test_bob_cannot_see_alices_sessions(alice, bob):
    _, sid = alice
    listed = bob.call("session.list")
    assert sid not in json.dumps(listed), listed
    assert sid in json.dumps(alice[0].call("session.list"))
    record("tenancy: session.list", "(host)", "contained: other principals' sessions not listed")


@pytest.mark.parametrize("command", [
    {"type": "execute_code", "code": "print('bob was here')"},
    {"type": "execute_shell", "commandName": "cat", "args": ["mine.txt"]},
    {"type": "read_file", "path": "mine.txt"},
    {"type": "write_file", "path": "mine.txt", "content": "bob's"},
    {"type": "list_directory", "path": "/workspace"},
    {"type": "delete_file", "path": "mine.txt"},
], ids=lambda c: c["type"])
def test_bob_cannot_touch_alices_session(alice, bob, command):
    _, sid = alice
    r = same_as_missing(bob, "session.execute", {"sessionId": sid, "command": command}, sid)
    assert r["error"]["code"] == -32001, r
    alice_still_fine(alice)
    record(f"tenancy: {command['type']} in another's session", "(host)", "contained: -32001 as for a missing session")


def test_bob_cannot_close_alices_session(alice, bob):
    _, sid = alice
    r = same_as_missing(bob, "session.close", {"sessionId": sid}, sid)
    assert r["error"]["code"] == -32001, r
    alice_still_fine(alice)
    record("tenancy: session.close of another's session", "(host)", "contained: -32001 as for a missing session")


def test_bob_cannot_cancel_or_read_alices_execution(srv, alice, bob):
    c, sid = alice
    # Alice's long execution runs on its own connection; bob tries to cancel it every way he can.
    a2 = as_(srv, TOK_A)
    try:
        rid = 4242
        a2.send_raw(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "session.execute", "params": {
            "sessionId": sid, "stream": True, "command": {"type": "execute_code",
                                                          "code": "import time\nprint('started', flush=True)\ntime.sleep(1.5)\nprint('done')"}}}))
        m = a2.recv_json(timeout=30)  # its first output chunk: it is running now
        assert m.get("method") == "session.output" and "started" in m["params"]["data"], m
        for params in [{"sessionId": sid, "requestId": rid}, {"requestId": rid}]:
            for method in ["session.cancel", "execution.cancel"]:
                r = bob.request(method, params)
                assert r.get("result", {}).get("cancelled") in (False, None), r
                if "sessionId" in params:
                    same_as_missing(bob, method, params, sid)
        result = a2.wait_for(rid, timeout=30)["result"]
        assert result["success"] and result["result"]["stdout"] == "started\ndone\n", result
        exec_id = result["executionId"]
        r = same_as_missing(bob, "execution.status", {"executionId": exec_id}, exec_id, missing="x_" + "0" * 32)
        assert r["error"]["code"] == -32001, r
        r = same_as_missing(bob, "execution.cancel", {"executionId": exec_id}, exec_id, missing="x_" + "0" * 32)
        assert c.call("execution.status", {"executionId": exec_id})["status"] == "completed"
    finally:
        a2.close(close_sessions=False)
    record("tenancy: cancel / status of another's execution", "(host)", "contained: not cancelled; -32001 as for a missing one")


def test_session_ids_are_unguessable(alice):
    c, sid = alice
    assert re.fullmatch(r"s_[0-9a-f]{32}", sid), sid


# ---- authentication on the upgrade ----

@pytest.mark.parametrize("extra", ["", f"Authorization: Bearer wrong-{TOK_A}\r\n", "Authorization: Basic YWxpY2U6eA==\r\n",
                                   f"Authorization: Bearer {TOK_A[:-1]}\r\n", "Sec-WebSocket-Protocol: codebeaker.bearer.nope\r\n"],
                         ids=["none", "wrong", "basic", "prefix", "bad-subprotocol"])
def test_missing_or_wrong_token_is_401_on_upgrade(srv, extra):
    s, head = raw_upgrade(srv.port, extra_headers=extra)
    s.close()
    assert head.startswith("HTTP/1.1 401 "), head
    assert TOK_A not in head
    record(f"auth: upgrade with {'no' if not extra else 'a wrong'} credential", "(host)", "refused: 401")


@pytest.mark.parametrize("path,extra", [
    (f"/ws/jsonrpc?token={TOK_A}", "Authorization: Bearer nope\r\n"),
    (f"/ws/jsonrpc?token={TOK_A}", "Sec-WebSocket-Protocol: codebeaker.v1, codebeaker.bearer.nope\r\n"),
    ("/ws/jsonrpc", f"Authorization: Bearer nope\r\nSec-WebSocket-Protocol: codebeaker.v1, codebeaker.bearer.{TOK_A}\r\n"),
], ids=["header-then-query", "subprotocol-then-query", "header-then-subprotocol"])
def test_a_wrong_credential_is_401_even_if_a_later_one_is_right(srv, path, extra):
    """No guessing through fallbacks: the first credential presented decides."""
    s, head = raw_upgrade(srv.port, path=path, extra_headers=extra)
    s.close()
    assert head.startswith("HTTP/1.1 401 "), head


@pytest.mark.parametrize("how", ["header", "query", "subprotocol"])
def test_each_way_of_presenting_a_token_works(srv, alice, how):
    _, sid = alice
    url, headers, protos = srv.url, None, None
    if how == "header":
        headers = {"Authorization": f"Bearer {TOK_A}"}
    elif how == "query":
        url += f"?token={TOK_A}"
    else:
        protos = ["codebeaker.v1", f"codebeaker.bearer.{TOK_A}"]
    c = Client(url, headers=headers, subprotocols=protos)
    try:
        if how == "subprotocol":
            assert c.ws.subprotocol == "codebeaker.v1"
        assert sid in json.dumps(c.call("session.list"))  # it is alice
    finally:
        c.close(close_sessions=False)
    with pytest.raises(InvalidStatus):
        connect(srv.url + ("?token=x" if how == "query" else ""), open_timeout=10,
                subprotocols=["codebeaker.v1", "codebeaker.bearer.x"] if how == "subprotocol" else None)


# ---- binding ----

def test_public_bind_without_tokens_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "CODEBEAKER_TOKENS"}
    p = subprocess.run([str(BINARY), "--host", "0.0.0.0", "--port", "0", "--workspace-root", str(tmp_path),
                        "--drivers-dir", str(tmp_path)], env=env, capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stdout, p.stderr)
    assert "listening" not in p.stdout and "insecure" in (p.stdout + p.stderr).lower(), p.stderr
    record("bind 0.0.0.0 without tokens", "(host)", "refused to start (exit 2) unless --insecure")


def test_public_bind_with_insecure_starts(start_server, tmp_path):
    s = start_server("--host", "0.0.0.0", "--insecure", wait_ready=False, drivers_dir=tmp_path)
    assert s.http("/health/live")[0] == 200
