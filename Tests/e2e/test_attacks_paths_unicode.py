"""Path rules end to end (issue 15): the host and the drivers share one in-sandbox path type (`SandboxPath`).

A `/` followed by a combining mark (U+0301) is one Swift Character but a separator to the kernel. The old path
rule split on Characters, so `/workspace/../\u0301x` was one component `../\u0301x` and `write_file` created
`\u0301x` beside the session's workspace on the host. These tests check, on the real server, that the byte
split refuses it, and that control characters and `~` are refused by file commands and shell `cwd`.
"""
import os

import pytest

from cbclient import refusal_text

ESCAPES = ["/workspace/../\u0301cb-escape", "../\u0301cb-escape", "a/../../\u0301cb-escape"]


def beside_workspaces(server):
    return [n for n in os.listdir(server.workspace_root) if "cb-escape" in n]


@pytest.mark.parametrize("path", ESCAPES)
def test_combining_mark_after_a_slash_does_not_hide_dotdot(server, client, path):
    sid = client.session("python")
    assert client.execute(sid, {"type": "write_file", "path": "ok.txt", "content": "x"})["success"] is True
    answers = {}
    for cmd in [{"type": "write_file", "path": path, "content": "PWNED"},
                {"type": "create_directory", "path": path + "-dir"},
                {"type": "copy_file", "source": "ok.txt", "destination": path + "-copy"}]:
        try:
            answers[cmd["type"]] = refusal_text(lambda: client.execute(sid, cmd))
        except AssertionError as e:  # accepted: reported below, after checking what landed on the host
            answers[cmd["type"]] = f"ACCEPTED {e}"
    assert beside_workspaces(server) == [], answers
    for what, msg in answers.items():
        assert "outside the workspace" in msg or "path.traversal" in msg, (what, msg)


@pytest.mark.parametrize("path, why", [
    ("a\u2028b.txt", "control character"), ("a\u0085b.txt", "control character"), ("a\u001b[2Jb.txt", "control character"),
    ("~/x.txt", "outside the workspace"), ("~root/x.txt", "outside the workspace"),
])
def test_control_characters_and_home_paths_are_refused(client, path, why):
    sid = client.session("python")
    msg = refusal_text(lambda: client.execute(sid, {"type": "write_file", "path": path, "content": "x"}))
    assert why in msg, msg


def test_shell_cwd_follows_the_same_rules(client):
    sid = client.session("python")
    for cwd, why in [("/workspace/../\u0301x", "rule path.traversal"), ("~", "outside the workspace"),
                     ("a\u2028b", "control character")]:
        msg = refusal_text(lambda: client.execute(sid, {"type": "execute_shell", "command": "pwd", "workingDirectory": cwd}))
        assert why in msg, (cwd, msg)
