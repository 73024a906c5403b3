"""The MCP server (docs/mcp.md) with the official MCP Python SDK as the client, over stdio (`codebeaker mcp`,
its own embedded host) and over Streamable HTTP (`/mcp` on a running server)."""
import json
import signal
import subprocess
import tempfile
import urllib.request

import anyio
import pytest

from conftest import BINARY
from mcp_util import RawStdio, http_session, post, stdio_session, text_of

TOOLS = {"run_code", "create_session", "close_session", "list_sessions", "write_file", "read_file",
         "list_files", "run_shell", "install_packages", "list_languages"}


@pytest.fixture(params=["stdio", "http", "bridge"])
def connect(request):
    """An async context manager factory giving an initialized ClientSession over one transport: stdio with an
    embedded host, Streamable HTTP, or stdio bridged to a running server over its WebSocket (`--server`)."""
    if request.param in ("stdio", "bridge"):
        errlog = tempfile.TemporaryFile(mode="w+")
        request.addfinalizer(errlog.close)
        if request.param == "bridge":
            url = request.getfixturevalue("server").url
            return lambda: stdio_session(errlog, server_url=url)
        return lambda: stdio_session(errlog)
    srv = request.getfixturevalue("server")
    return lambda: http_session(f"http://127.0.0.1:{srv.port}/mcp")


def run(fn):
    anyio.run(fn)


def test_lists_the_tools_with_schemas(connect):
    async def main():
        async with connect() as s:
            tools = (await s.list_tools()).tools
            assert {t.name for t in tools} == TOOLS
            run_code = next(t for t in tools if t.name == "run_code")
            assert run_code.input_schema["required"] == ["code"]
            assert "session_id" in run_code.input_schema["properties"]
            langs = await s.call_tool("list_languages", {})
            assert not langs.is_error and "python" in text_of(langs)
    run(main)


def test_run_code_prints_42(connect):
    async def main():
        async with connect() as s:
            r = await s.call_tool("run_code", {"language": "python", "code": "print(6*7)"})
            assert not r.is_error, text_of(r)
            assert r.structured_content["stdout"] == "42\n"
            assert r.structured_content["exitCode"] == 0
            assert "42" in text_of(r)
    run(main)


def test_write_then_read_a_file(connect):
    async def main():
        async with connect() as s:
            sid = (await s.call_tool("create_session", {"language": "python"})).structured_content["session_id"]
            w = await s.call_tool("write_file", {"session_id": sid, "path": "notes/a.txt", "content": "héllo\n"})
            assert not w.is_error, text_of(w)
            r = await s.call_tool("read_file", {"session_id": sid, "path": "notes/a.txt"})
            assert not r.is_error and r.structured_content["content"] == "héllo\n"
            ls = await s.call_tool("list_files", {"session_id": sid, "recursive": True})
            assert "/workspace/notes/a.txt" in text_of(ls)
            sh = await s.call_tool("run_shell", {"session_id": sid, "command": "wc -c < notes/a.txt && ls notes"})
            assert sh.structured_content["stdout"] == "7\na.txt\n" and sh.structured_content["exitCode"] == 0
            missing = await s.call_tool("read_file", {"session_id": sid, "path": "nope.txt"})
            assert missing.is_error and "nope.txt" in text_of(missing)
            await s.call_tool("close_session", {"session_id": sid})
    run(main)


def test_a_session_keeps_state_across_three_calls(connect):
    async def main():
        async with connect() as s:
            created = await s.call_tool("create_session", {"language": "python"})
            sid = created.structured_content["session_id"]
            assert created.structured_content["stateful"] is True
            for code in ["x = 1", "x += 1"]:
                r = await s.call_tool("run_code", {"session_id": sid, "code": code})
                assert not r.is_error and r.structured_content["exitCode"] == 0, text_of(r)
            r = await s.call_tool("run_code", {"session_id": sid, "code": "print(x)"})
            assert r.structured_content["stdout"] == "2\n"
            listed = await s.call_tool("list_sessions", {})
            assert sid in [x["session_id"] for x in listed.structured_content["sessions"]]
            closed = await s.call_tool("close_session", {"session_id": sid})
            assert not closed.is_error
            gone = await s.call_tool("run_code", {"session_id": sid, "code": "print(x)"})
            assert gone.is_error and "create_session" in text_of(gone)
    run(main)


def test_cancelling_a_long_run_frees_its_session(connect):
    async def main():
        async with connect() as s:
            sid = (await s.call_tool("create_session", {"language": "python"})).structured_content["session_id"]
            # The SDK sends notifications/cancelled when the caller gives up on a request.
            with anyio.move_on_after(3) as scope:
                await s.call_tool("run_code", {"session_id": sid, "code": "import time\ntime.sleep(60)"})
            assert scope.cancelled_caught, "the 60 s run returned by itself"
            # A stateful session runs one execution at a time: this one runs only if the sleep was stopped.
            r = await s.call_tool("run_code", {"session_id": sid, "code": "print('after')"},
                                  read_timeout_seconds=30)
            assert r.structured_content["stdout"] == "after\n", text_of(r)
            await s.call_tool("close_session", {"session_id": sid})
    run(main)


def test_bad_arguments_are_tool_errors_and_the_server_keeps_serving(connect):
    async def main():
        async with connect() as s:
            for args in [{"code": "print(1)"}, {"language": "python", "code": 7},
                         {"language": "python", "code": "1", "sesion_id": "x"}]:
                r = await s.call_tool("run_code", args)
                assert r.is_error, args
                assert text_of(r).startswith("invalid arguments for run_code"), text_of(r)
            r = await s.call_tool("read_file", {"session_id": "s_" + "0" * 32, "path": "a"})
            assert r.is_error
            r = await s.call_tool("run_code", {"language": "klingon", "code": "x"})
            assert r.is_error and "klingon" in text_of(r)
            ok = await s.call_tool("run_code", {"language": "python", "code": "print(1)"})
            assert ok.structured_content["stdout"] == "1\n"
    run(main)


def test_huge_output_is_truncated_with_flags(connect):
    async def main():
        async with connect() as s:
            r = await s.call_tool("run_code", {"language": "python", "code": "print('x' * 3_000_000)"})
            sc = r.structured_content
            assert sc["stdoutTruncated"] is True and sc["truncated"] is True
            assert len(sc["stdout"]) <= 1 << 20
            assert "stdout was truncated" in text_of(r)
    run(main)


def test_progress_notifications_stream_the_output(connect):
    async def main():
        seen = []

        async def on_progress(progress, total, message):
            seen.append((progress, message))

        async with connect() as s:
            code = "import time\nfor i in range(3):\n    print('line', i, flush=True)\n    time.sleep(0.2)"
            r = await s.call_tool("run_code", {"language": "python", "code": code}, progress_callback=on_progress)
            assert r.structured_content["stdout"] == "line 0\nline 1\nline 2\n"
        assert seen, "no progress notification arrived"
        assert "".join(m for _, m in seen) == "line 0\nline 1\nline 2\n"
        assert [p for p, _ in seen] == sorted(p for p, _ in seen)
    run(main)


def test_stdio_malformed_messages_get_errors_and_the_server_keeps_serving(tmp_path):
    with open(tmp_path / "mcp.log", "w") as errlog:
        raw = RawStdio(errlog)
        try:
            raw.send("this is not json")
            assert raw.reply()["error"]["code"] == -32700
            raw.send("[]")
            assert raw.reply()["error"]["code"] == -32600
            raw.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "no/such"}))
            assert raw.reply() == {"jsonrpc": "2.0", "id": 1,
                                   "error": {"code": -32601, "message": "Method not found: no/such"}}
            raw.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "nope"}}))
            assert raw.reply()["error"]["code"] == -32602
            raw.send(json.dumps({"jsonrpc": "2.0", "id": 3, "method": "initialize",
                                 "params": {"protocolVersion": "2025-03-26", "capabilities": {},
                                            "clientInfo": {"name": "raw", "version": "0"}}}))
            assert raw.reply()["result"]["protocolVersion"] == "2025-03-26"
            raw.send(json.dumps({"jsonrpc": "2.0", "id": 4, "method": "ping"}))
            assert raw.reply() == {"jsonrpc": "2.0", "id": 4, "result": {}}
        finally:
            assert raw.close() == 0  # EOF on stdin: a clean exit
    assert "end of input, shutting down" in open(tmp_path / "mcp.log").read()


INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "0"}}}


def test_http_malformed_messages_get_errors_and_the_server_keeps_serving(server):
    url = f"http://127.0.0.1:{server.port}/mcp"
    status, headers, body = post(url, INIT)
    assert status == 200 and json.loads(body)["result"]["protocolVersion"] == "2025-06-18"
    sid = {"Mcp-Session-Id": headers["Mcp-Session-Id"]}
    for bad, code in [(b"{not json", -32700), (b"[]", -32600), (b'{"id":1,"method":"ping"}', -32600)]:
        status, _, body = post(url, bad, sid)
        assert status == 400 and json.loads(body)["error"]["code"] == code, bad
    status, _, body = post(url, {"jsonrpc": "2.0", "id": 2, "method": "no/such"}, sid)
    assert status == 200 and json.loads(body)["error"]["code"] == -32601
    # Without a session id, or with one the server never issued.
    status, _, _ = post(url, {"jsonrpc": "2.0", "id": 3, "method": "ping"})
    assert status == 400
    status, _, _ = post(url, {"jsonrpc": "2.0", "id": 3, "method": "ping"}, {"Mcp-Session-Id": "mcp_nope"})
    assert status == 404
    status, _, body = post(url, {"jsonrpc": "2.0", "id": 4, "method": "ping"}, sid)
    assert status == 200 and json.loads(body) == {"jsonrpc": "2.0", "id": 4, "result": {}}
    status, _, _ = post(url, {"jsonrpc": "2.0", "method": "notifications/initialized"}, sid)
    assert status == 202
    # A progress token on a tool call: the reply comes as Server-Sent Events.
    call = {"jsonrpc": "2.0", "id": 5, "method": "tools/call",
            "params": {"_meta": {"progressToken": "p"}, "name": "run_code",
                       "arguments": {"language": "python", "code": "print('hi', flush=True)"}}}
    status, headers, body = post(url, call, sid)
    assert status == 200 and headers["Content-Type"] == "text/event-stream"
    events = [json.loads(line[len("data: "):]) for line in body.splitlines() if line.startswith("data: ")]
    assert events[0]["method"] == "notifications/progress" and events[0]["params"]["message"] == "hi\n"
    assert events[-1]["id"] == 5 and events[-1]["result"]["structuredContent"]["stdout"] == "hi\n"
    req = urllib.request.Request(url, method="DELETE", headers=sid)
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.status == 204
    status, _, _ = post(url, {"jsonrpc": "2.0", "id": 6, "method": "ping"}, sid)
    assert status == 404
    assert server.http("/mcp")[0] == 405


def test_http_needs_the_token_and_refuses_cross_site_origins(start_server):
    srv = start_server(env={"CODEBEAKER_TOKENS": "alice:tok-alice,bob:tok-bob"})
    url = f"http://127.0.0.1:{srv.port}/mcp"
    status, headers, body = post(url, INIT)
    assert status == 401 and "token" in body and headers.get("WWW-Authenticate") == "Bearer"
    assert post(url, INIT, {"Authorization": "Bearer wrong"})[0] == 401
    status, _, _ = post(url, INIT, {"Authorization": "Bearer tok-alice", "Origin": "https://evil.example"})
    assert status == 403
    status, headers, _ = post(url, INIT, {"Authorization": "Bearer tok-alice"})
    assert status == 200
    # Another principal cannot use alice's MCP session.
    ping = {"jsonrpc": "2.0", "id": 2, "method": "ping"}
    sid = headers["Mcp-Session-Id"]
    assert post(url, ping, {"Authorization": "Bearer tok-bob", "Mcp-Session-Id": sid})[0] == 404
    assert post(url, ping, {"Authorization": "Bearer tok-alice", "Mcp-Session-Id": sid})[0] == 200

    async def main():
        async with http_session(url, token="tok-alice") as s:
            r = await s.call_tool("run_code", {"language": "python", "code": "print(6*7)"})
            assert r.structured_content["stdout"] == "42\n"
    run(main)


@pytest.mark.parametrize("how", ["eof", "sigterm"])
def test_stdio_exits_cleanly_and_removes_its_private_workspace_root(tmp_path, how):
    runtime = tmp_path / "run"
    runtime.mkdir()
    with open(tmp_path / "mcp.log", "w") as errlog:
        raw = RawStdio(errlog, env={"XDG_RUNTIME_DIR": str(runtime)})
        root = runtime / f"codebeaker-mcp-{raw.proc.pid}"
        raw.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                             "params": {"name": "create_session", "arguments": {"language": "python"}}}))
        sid = raw.reply()["result"]["structuredContent"]["session_id"]
        assert sid.startswith("s_")
        assert root.is_dir() and any(root.iterdir()), "the session's workspace is not under the private root"
        if how == "sigterm":
            raw.proc.send_signal(signal.SIGTERM)
        assert raw.close() == 0
    assert not root.exists()
    assert not [line for line in open("/proc/self/mountinfo") if str(runtime) in line]


def test_stdio_bridge_to_an_unreachable_server_says_so_in_one_line():
    r = subprocess.run([str(BINARY), "mcp", "--server", "ws://127.0.0.1:9/ws/jsonrpc", "--token", "t"],
                       capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    assert r.returncode == 2 and r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("codebeaker mcp: ") and "127.0.0.1:9" in lines[0], lines
