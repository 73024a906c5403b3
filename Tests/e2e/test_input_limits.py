"""Unvalidated client strings (issue 12, finding 3) on the real host with the python driver: `language` on
execute_code is checked against the session's driver first; a refusal carrying a huge string is still audited;
huge distinct values cannot grow /metrics; ids, env, docker image and permissions are bounded."""
import glob
import json
import os
import time

import pytest

from cbclient import Client


@pytest.fixture(scope="module")
def limits_server(tmp_path_factory):
    from conftest import Server
    d = tmp_path_factory.mktemp("limits")
    cfg = d / "config.json"
    cfg.write_text(json.dumps({"security": {"auditLogDirectory": str(d / "audit")}}))
    s = Server("--config", str(cfg))
    s.audit_dir = str(d / "audit")
    yield s
    s.stop()


@pytest.fixture
def c(limits_server):
    client = Client(limits_server.url)
    yield client
    client.close()


def execute(c, sid, command):
    return c.request("session.execute", {"sessionId": sid, "command": command}, timeout=120)


def error_of(reply):
    assert "error" in reply, reply
    return reply["error"]


def test_language_outside_the_sessions_driver_is_refused_with_the_allowed_values(c):
    sid = c.session_when_ready("python")
    e = error_of(execute(c, sid, {"type": "execute_code", "code": "print(1)", "language": "ruby"}))
    assert e["code"] == -32602
    assert "command.language" in e["message"]
    assert e["data"]["field"] == "command.language"
    assert "python" in e["data"]["allowed"]


@pytest.mark.parametrize("language", ["python", "py", "PYTHON3"])
def test_language_of_the_session_runs(c, language):
    sid = c.session_when_ready("python")
    r = execute(c, sid, {"type": "execute_code", "code": "print(6*7)", "language": language})
    assert r["result"]["success"] is True and "42" in r["result"]["result"]["stdout"], r


def test_9mb_language_is_refused_without_echo(c):
    sid = c.session_when_ready("python")
    reply = execute(c, sid, {"type": "execute_code", "code": "print(1)", "language": "x" * (9 << 20)})
    e = error_of(reply)
    assert e["code"] == -32602 and e["data"]["field"] == "command.language"
    assert len(json.dumps(reply)) < 1000


def test_distinct_huge_languages_leave_metrics_scrapable(limits_server, c):
    sid = c.session_when_ready("python")
    replies = [execute(c, sid, {"type": "execute_code", "code": "print(1)", "language": chr(97 + i) * (4 << 20)})
               for i in range(18)]
    try:
        status, body = limits_server.http("/metrics")
    except OSError as e:  # before the fix: the 72 MB exposition was never sent
        pytest.fail(f"/metrics scrape failed: {e!r}")
    assert status == 200
    assert len(body) < (1 << 20)
    assert [r.get("error", {}).get("code") for r in replies] == [-32602] * 18


def audit_records(server, pred, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for f in sorted(glob.glob(os.path.join(server.audit_dir, "audit-*.jsonl"))):
            for line in open(f, encoding="utf-8"):
                r = json.loads(line)
                if pred(r):
                    found.append((len(line), r))
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def test_refusal_carrying_a_9mb_string_is_still_audited(limits_server, c):
    sid = c.session_when_ready("python")
    marker = "--marker-" + os.urandom(4).hex()
    reply = execute(c, sid, {"type": "install_packages", "packages": ["six"], "flags": [marker + "x" * (9 << 20)]})
    e = error_of(reply)
    assert e["code"] == -32011 and e["data"]["rule"] == "package.flag"
    assert len(json.dumps(reply)) < 2000  # the refusal does not echo the 9 MB back either
    found = audit_records(limits_server, lambda r: r["event"] == "SecurityViolation" and marker in json.dumps(r["details"]))
    assert len(found) == 1, "the refused install left no audit trace"
    assert found[0][0] < 64 << 10


def test_huge_session_id_is_refused_naming_the_field(c):
    e = error_of(c.request("session.execute", {"sessionId": "s" * (1 << 20), "command": {"type": "execute_code", "code": "1"}}))
    assert e["code"] == -32602 and e["data"]["field"] == "sessionId"


@pytest.mark.parametrize("params,field", [
    ({"env": {"BAD NAME": "1"}}, "env.BAD NAME"),
    ({"env": {"BIG": "v" * 40_000}}, "env.BIG"),
    ({"dockerImage": "python:3\n; rm -rf /"}, "dockerImage"),
    ({"permissions": {"x": "p" * 20_000}}, "permissions"),
    ({"runtimeType": "r" * 100}, "runtimeType"),
], ids=["env-name", "env-value", "docker-image", "permissions", "runtime-type"])
def test_session_create_bounds_its_strings(c, params, field):
    e = error_of(c.request("session.create", {"language": "python", **params}))
    assert e["code"] == -32602 and e["data"]["field"] == field, e


def test_execute_env_is_bounded(c):
    sid = c.session_when_ready("python")
    e = error_of(execute(c, sid, {"type": "execute_code", "code": "1", "env": {"X": "v" * 40_000}}))
    assert e["code"] == -32602 and e["data"]["field"] == "command.env.X"
