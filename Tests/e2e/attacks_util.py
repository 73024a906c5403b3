"""Shared pieces of the attack suite: the runtime list, per-runtime code snippets, the "still contained" checks
and the recorder that feeds docs/attack-matrix.md.

Runtimes are a static list so pytest can parametrize at collection time; a runtime whose driver is not installed
(not in `language.list`) is skipped with that reason, so new drivers are covered as soon as they land."""
import json
import os
import time

import pytest


def server_env(**extra):
    """Env for a test server: its own docker driver instance, because a docker driver starting with the same
    instance sweeps every container of that instance, other live servers' included
    (test_a_second_server_leaves_the_first_ones_containers_alone)."""
    env = {"CODEBEAKER_DOCKER_INSTANCE": "attacks-" + os.urandom(4).hex()}
    env.update(extra)
    return env


class Runtime:
    def __init__(self, name, create, flavor, driver=None, runtime_type=None):
        self.name = name            # the id in test names and in the matrix
        self.create = create        # session.create params
        self.flavor = flavor        # "py" or "js": which snippet set runs
        self.driver = driver        # driver name in language.list
        self.runtime_type = runtime_type

    def __repr__(self):
        return self.name


RUNTIMES = [
    Runtime("python", {"language": "python"}, "py", driver="python"),
    Runtime("node", {"language": "javascript", "runtimeType": "NodeJs"}, "js", driver="node"),
    Runtime("deno", {"language": "deno"}, "js", driver="deno"),
    Runtime("bun", {"language": "bun"}, "js", driver="bun"),
    Runtime("docker", {"language": "python", "runtimeType": "Docker"}, "py", driver="docker", runtime_type="Docker"),
]
RUNTIME_IDS = [r.name for r in RUNTIMES]


def installed(server, rt, timeout=30):
    """None when `rt` is listed by language.list and ready (waits for it), else the reason to skip."""
    deadline = time.monotonic() + timeout
    listed = False
    while True:
        c = server.client()
        try:
            langs = c.call("language.list")["languages"]
        finally:
            c.close()
        entries = [r for lang in langs for r in lang["runtimes"]
                   if r["driver"] == rt.driver and (not rt.runtime_type or r["runtimeType"] == rt.runtime_type)]
        listed = listed or bool(entries)
        if any(e["ready"] for e in entries):
            return None
        if not entries or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if listed:
        pytest.fail(f"{rt.name} is installed but its driver never became ready")
    return f"{rt.name} runtime not installed (not in language.list)"


def require(server, rt):
    reason = installed(server, rt)
    if reason:
        pytest.skip(reason)


# ---- code snippets, per flavor ----

PRINT1 = {"py": "print(1)", "js": "console.log(1)"}


def run_code(client, sid, code, timeout=10, rpc_timeout=120, **extra):
    """One execution, never retried: a failure is the test's to see."""
    cmd = {"type": "execute_code", "code": code, "timeout": timeout}
    cmd.update(extra)
    return client.execute(sid, cmd, timeout=rpc_timeout)


def shell(client, sid, script, timeout=10, rpc_timeout=120):
    """Runs `sh -c script`; returns the raw JSON-RPC response (it may be a security refusal)."""
    return client.request("session.execute", {"sessionId": sid, "command": {
        "type": "execute_shell", "commandName": "sh", "args": ["-c", script], "timeout": timeout}}, timeout=rpc_timeout)


LIST_PROCS = "echo STRAYCHECK; for p in /proc/[0-9]*; do echo \"${p#/proc/} $(tr '\\0' ' ' < $p/cmdline 2>/dev/null)\"; done"
# The runner processes themselves: bwrap sandboxes (native runtimes) and the container's init and fork server.
RUNNER_PARTS = ("bwrap", "/opt/codebeaker/runner", "STRAYCHECK", "/.codebeaker/cb-runner", "/tmp/.cb-")


def strays(client, sid):
    """Processes left in the session's sandbox besides its runner (and this listing itself)."""
    r = shell(client, sid, LIST_PROCS, timeout=10)
    assert "result" in r, r
    assert r["result"]["success"], r
    lines = [l for l in r["result"]["result"]["stdout"].splitlines() if l.strip() and " " in l.strip()]
    return [l for l in lines if not any(p in l for p in RUNNER_PARTS)]


def assert_no_strays(client, sid, deadline_s=10):
    deadline = time.monotonic() + deadline_s
    while True:
        left = strays(client, sid)
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not left, f"processes survived the execution: {left}"


def print1(client, sid, flavor):
    return run_code(client, sid, PRINT1[flavor], timeout=20)


def assert_contained(server, client, sid, rt, bystander=None):
    """After an attack: the server is up, the same session still runs print(1) and has no process left over,
    and a bystander session is intact."""
    assert server.proc.poll() is None, "server exited:\n" + server.logs()[-3000:]
    status, body = server.http("/health/live")
    assert status == 200, body
    r = print1(client, sid, rt.flavor)
    assert r["success"] and r["result"]["stdout"] == "1\n", r
    assert_no_strays(client, sid)
    if bystander is not None:
        bystander.check()


class Bystander:
    """A session in another client that must not notice the attacks: its file survives and it still runs code."""

    def __init__(self, server, rt):
        self.rt = rt
        self.client = server.client()
        self.sid = self.client.session(**rt.create)
        self.marker = "bystander-" + os.urandom(6).hex()
        r = self.client.execute(self.sid, {"type": "write_file", "path": "keep.txt", "content": self.marker})
        assert r["success"], r

    def check(self):
        r = self.client.execute(self.sid, {"type": "read_file", "path": "keep.txt"})
        assert r["success"] and r["result"]["content"] == self.marker, r
        r = print1(self.client, self.sid, self.rt.flavor)
        assert r["success"] and r["result"]["stdout"] == "1\n", r

    def close(self):
        self.client.close()


# ---- the matrix recorder ----

def record(case, runtime, outcome):
    """Appends one matrix cell to $CB_ATTACK_RESULTS (JSON lines), when set. Called only after the asserts passed,
    so a recorded outcome is a proven one."""
    path = os.environ.get("CB_ATTACK_RESULTS")
    if not path:
        return
    with open(path, "a") as f:
        f.write(json.dumps({"case": case, "runtime": runtime, "outcome": outcome}) + "\n")


def outcome_of(r):
    """A short description of how an execution ended, for the matrix."""
    if "jsonrpc" in r:
        if "error" in r:
            e = r["error"]
            return f"refused ({(e.get('data') or {}).get('rule', e.get('code'))})"
        r = r["result"]
    res = r.get("result") or {}
    if res.get("timedOut"):
        return "contained: timed out, killed"
    reason = res.get("reason") or r.get("error") or ""
    if res.get("signal"):
        return f"contained: killed (signal {res['signal']}{', ' + reason if reason and 'signal' not in reason else ''})"
    return f"contained: {reason or ('exit ' + str(res.get('exitCode')))}"


# ---- fixtures shared by the attack modules (each module defines its own `srv`) ----

@pytest.fixture(scope="module")
def bystanders(srv):
    made = {}
    yield made
    for b in made.values():
        b.close()


@pytest.fixture(params=RUNTIMES, ids=RUNTIME_IDS)
def rt(request, srv):
    require(srv, request.param)
    return request.param


@pytest.fixture
def att(srv, rt, bystanders):
    """(client, session id, bystander) for one attack."""
    if rt.name not in bystanders:
        bystanders[rt.name] = Bystander(srv, rt)
    c = srv.client()
    sid = c.session(**rt.create)
    yield c, sid, bystanders[rt.name]
    c.close()
