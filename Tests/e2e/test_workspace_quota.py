"""Workspace disk quotas through a real server: each session's workspace is its own loop-mounted volume.
Needs root, loop devices and mkfs.ext4 (CI has them); skipped, with the reason, elsewhere."""
import os
import signal

import pytest

from conftest import Server, mounts_below

QUOTA_MB = 64
CHUNK = "x" * 8_000_000  # under the 10 MB per-write limit


@pytest.fixture(scope="module")
def srv():
    s = Server("--workspace-quota-mb", str(QUOTA_MB))
    c = s.client()
    if c.call("initialize")["limits"]["workspaceQuotaMB"] is None:
        c.close()
        s.stop()
        pytest.skip("this machine cannot make workspace volumes (needs root, /dev/loop-control, mkfs.ext4)")
    yield s, c
    c.close()
    s.stop()


def fill(c, sid, most=20):
    """Writes 8 MB files through the host until one fails; returns (files written, the failing response)."""
    for i in range(most):
        r = c.execute(sid, {"type": "write_file", "path": f"chunk{i}.txt", "content": CHUNK})
        if not r["success"]:
            return i, r
    return most, None


def test_initialize_reports_the_quota_and_create_shows_it(srv):
    s, c = srv
    assert c.call("initialize")["limits"]["workspaceQuotaMB"] == QUOTA_MB
    created = c.call("session.create", {"language": "python"})
    assert created["config"]["diskLimitMB"] == QUOTA_MB
    c.call("session.close", {"sessionId": created["sessionId"]})


def test_host_writes_stop_at_the_quota_with_a_clear_error_and_no_partial_file(srv):
    s, c = srv
    sid = c.session("python")
    n, failed = fill(c, sid)
    assert failed is not None, "a 64 MB workspace took 160 MB"
    assert 4 <= n <= 8, n
    assert "workspace is full" in failed["error"], failed
    names = {e["name"] for e in c.execute(sid, {"type": "list_files", "path": "."})["result"]["entries"]}
    assert f"chunk{n}.txt" not in names and not any(x.startswith(".cb-tmp") for x in names), names
    # Code in the sandbox sees the same full disk; deleting files gives the room back.
    r = c.execute(sid, {"type": "execute_code", "code": "open('/workspace/one.bin', 'wb').write(b'x' * (8 << 20))"})
    assert r["success"] is False and "No space left on device" in r["result"]["stderr"], r
    for i in range(n):
        assert c.execute(sid, {"type": "delete_file", "path": f"chunk{i}.txt"})["success"]
    r = c.execute(sid, {"type": "execute_code", "code": "open('/workspace/one.bin', 'wb').write(b'x' * (8 << 20)); print('ok')"})
    assert r["success"] and r["result"]["stdout"] == "ok\n", r


def test_a_failed_overwrite_keeps_the_old_content(srv):
    s, c = srv
    sid = c.session("python")
    assert c.execute(sid, {"type": "write_file", "path": "keep.txt", "content": "precious"})["success"]
    fill(c, sid)
    r = c.execute(sid, {"type": "write_file", "path": "keep.txt", "content": CHUNK})
    assert not r["success"], r
    assert c.execute(sid, {"type": "read_file", "path": "keep.txt"})["result"]["content"] == "precious"


def test_one_full_session_leaves_another_its_whole_quota(srv):
    s, c = srv
    full, other = c.session("python"), c.session("python")
    fill(c, full)
    n, failed = fill(c, other)
    assert failed is not None and n >= 4, (n, failed)


def test_a_session_may_tighten_its_quota_but_not_loosen_it(srv):
    s, c = srv
    small = c.call("session.create", {"language": "python", "diskLimitMB": 24})
    assert small["config"]["diskLimitMB"] == 24
    n, failed = fill(c, small["sessionId"])
    assert failed is not None and n <= 3, n
    c.call("session.close", {"sessionId": small["sessionId"]})
    r = c.request("session.create", {"language": "python", "diskLimitMB": QUOTA_MB * 2})
    assert r["error"]["code"] == -32602 and r["error"]["data"]["field"] == "diskLimitMB", r
    r = c.request("session.create", {"language": "python", "diskLimitMB": "lots"})
    assert r["error"]["code"] == -32602 and r["error"]["data"]["field"] == "diskLimitMB", r


def test_closing_a_session_unmounts_and_deletes_its_volume(srv):
    s, c = srv
    sid = c.session("python")
    path = os.path.join(s.workspace_root, sid)
    assert path in mounts_below(s.workspace_root)
    assert os.path.exists(os.path.join(s.workspace_root, ".volumes", sid + ".img"))
    c.call("session.close", {"sessionId": sid})
    c.sessions.remove(sid)
    assert path not in mounts_below(s.workspace_root)
    assert not os.path.exists(path)
    assert not os.path.exists(os.path.join(s.workspace_root, ".volumes", sid + ".img"))


def test_a_new_host_sweeps_what_a_killed_host_left_mounted(start_server):
    first = start_server("--workspace-quota-mb", str(QUOTA_MB))
    c = first.client()
    sid = c.session("python")
    assert c.execute(sid, {"type": "write_file", "path": "a.txt", "content": "left"})["success"]
    c.close(close_sessions=False)
    root = first.workspace_root
    first.proc.send_signal(signal.SIGKILL)
    first.proc.wait()
    assert os.path.join(root, sid) in mounts_below(root)
    second = start_server("--workspace-quota-mb", str(QUOTA_MB), "--workspace-root", root)
    assert os.path.join(root, sid) not in mounts_below(root)
    assert not os.path.exists(os.path.join(root, sid))
    c2 = second.client()
    sid2 = c2.session("python")
    assert c2.execute(sid2, {"type": "execute_code", "code": "print(1)"})["result"]["stdout"] == "1\n"
    c2.close()
    second.stop()  # before the first server's cleanup removes the root under it


def test_session_list_shows_disk_use_against_the_quota(srv):
    s, c = srv
    sid = c.session("python")
    assert c.execute(sid, {"type": "write_file", "path": "a.txt", "content": CHUNK})["success"]
    entry = next(e for e in c.call("session.list")["sessions"] if e["sessionId"] == sid)
    assert entry["disk"]["limitMB"] == QUOTA_MB and 7.5 <= entry["disk"]["usedMB"] <= 10, entry


def test_session_create_is_refused_when_the_host_disk_is_nearly_full(start_server, tmp_path):
    cfg = tmp_path / "config.json"
    cfg.write_text('{"workspaceMinFreeMB": 1073741824}')  # more free space than any disk has
    s = start_server("--config", str(cfg))
    c = s.client()
    if c.call("initialize")["limits"]["workspaceQuotaMB"] is None:
        c.close()
        pytest.skip("this machine cannot make workspace volumes")
    r = c.request("session.create", {"language": "python"})
    assert r["error"]["code"] == -32002 and "MB free" in r["error"]["message"], r
    c.close()
