"""Hostile code and path tricks end contained: the execution fails with a reason, the session and server live."""
import pytest

ESCAPES = ["../etc/passwd", "/etc/passwd", "/workspace/../etc/passwd", "/workspace2/x", "a/../../x",
           "/workspace/./../root", "x\u0000y"]


@pytest.fixture
def sid(client):
    return client.session("python")


def py(client, sid, code, timeout=20):
    return client.execute(sid, {"type": "execute_code", "code": code, "timeout": timeout}, timeout=120)


def alive(client, sid):
    r = py(client, sid, "print('alive')")
    assert r["result"]["stdout"] == "alive\n", r


def refused(client, sid, cmd):
    """A path trick is refused either by the security layer (-32011 naming the rule) or by the workspace
    (success:false with a reason)."""
    r = client.request("session.execute", {"sessionId": sid, "command": cmd})
    if "error" in r:
        return r["error"]["code"] == -32011 and r["error"]["data"]["rule"].startswith("path")
    return r["result"]["success"] is False and bool(r["result"]["error"])


@pytest.mark.parametrize("path", ESCAPES)
def test_path_escapes_are_refused(client, sid, path):
    client.execute(sid, {"type": "write_file", "path": "a", "content": "x"})
    for cmd in [{"type": "read_file", "path": path}, {"type": "write_file", "path": path, "content": "x"},
                {"type": "copy_file", "source": "/workspace/a", "destination": path}]:
        assert refused(client, sid, cmd), cmd


def test_symlink_created_by_code_is_not_followed(client, sid):
    py(client, sid, "import os\nos.symlink('/etc', '/workspace/etc')\nos.symlink('/etc/hostname', '/workspace/h')")
    for cmd in [{"type": "read_file", "path": "h"}, {"type": "read_file", "path": "etc/passwd"},
                {"type": "write_file", "path": "etc/evil", "content": "x"},
                {"type": "copy_file", "source": "h", "destination": "copy"}]:
        r = client.execute(sid, cmd)
        assert r["success"] is False, (cmd, r)


def test_host_secrets_are_invisible(client, sid):
    r = py(client, sid, """
import os
out = []
for p in ['/etc/shadow', '/root', '/home', '/proc/1/environ']:
    try:
        if os.path.isdir(p): os.listdir(p)
        else: open(p).read()
        out.append(p + ':readable')
    except Exception as e:
        out.append(p + ':' + type(e).__name__)
print(';'.join(out))
print('TOKEN' in ''.join(os.environ), 'CODEBEAKER' in ''.join(os.environ))
""")
    out = r["result"]["stdout"]
    assert "/etc/shadow:readable" not in out and "/root:readable" not in out, out
    assert "False False" in out


def test_network_is_off_by_default(client, server, sid):
    r = py(client, sid, f"""
import socket
s = socket.socket()
s.settimeout(3)
try:
    s.connect(('127.0.0.1', {server.port})); print('connected')
except Exception as e:
    print('blocked', type(e).__name__)
""")
    assert "blocked" in r["result"]["stdout"], r


def test_fork_bomb_is_contained(client, sid):
    r = py(client, sid, "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass", timeout=5)
    assert r["success"] is False
    alive(client, sid)


def test_memory_bomb_is_contained(client):
    sid = client.session("python", memoryLimitMB=128)
    r = py(client, sid, "x = []\nwhile True: x.append(bytearray(10_000_000))", timeout=20)
    assert r["success"] is False and r["error"]
    alive(client, sid)


def test_kill_all_inside_sandbox_only_hurts_sandbox(client, sid):
    py(client, sid, "import os, signal\nos.kill(-1, signal.SIGKILL)", timeout=5)
    alive(client, sid)


def test_writing_outside_workspace_fails(client, sid):
    r = py(client, sid, """
import os
for p in ['/usr/evil', '/etc/evil', '/evil']:
    try:
        open(p, 'w').write('x'); print(p, 'written')
    except Exception as e:
        print(p, type(e).__name__)
""")
    assert "written" not in r["result"]["stdout"], r
