"""Shared pieces of the attack suite: the runtime list, per-runtime code snippets, the "still contained" checks
and the recorder that feeds docs/attack-matrix.md.

Runtimes are a static list so pytest can parametrize at collection time; a runtime whose driver is not installed
(not in `language.list`) is skipped with that reason, so new drivers are covered as soon as they land."""
import json
import os
import time
import warnings

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


def is_transient(res):
    return bool(res) and not res.get("success") and any(t in (res.get("error") or "") for t in TRANSIENT)


def run_code(client, sid, code, timeout=10, rpc_timeout=120, probe=False, **extra):
    """`probe`: a check whose output the test needs, retried on the known transient runner failure."""
    cmd = {"type": "execute_code", "code": code, "timeout": timeout}
    cmd.update(extra)
    for attempt in range(3 if probe else 1):
        r = client.execute(sid, cmd, timeout=rpc_timeout)
        if not is_transient(r):
            break
        warnings.warn(f"probe failed transiently: {r['error']}")
    return r


def shell(client, sid, script, timeout=10, rpc_timeout=120, probe=False):
    """Runs `sh -c script`; returns the raw JSON-RPC response (it may be a security refusal)."""
    for attempt in range(3 if probe else 1):
        r = client.request("session.execute", {"sessionId": sid, "command": {
            "type": "execute_shell", "commandName": "sh", "args": ["-c", script], "timeout": timeout}}, timeout=rpc_timeout)
        if not is_transient(r.get("result")):
            break
        warnings.warn(f"probe failed transiently: {r['result']['error']}")
    return r


LIST_PROCS = "echo STRAYCHECK; for p in /proc/[0-9]*; do echo \"${p#/proc/} $(tr '\\0' ' ' < $p/cmdline 2>/dev/null)\"; done"
# The runner processes themselves: bwrap sandboxes (native runtimes) and the container's init and fork server.
RUNNER_PARTS = ("bwrap", "/opt/codebeaker/runner", "STRAYCHECK", "/.codebeaker/cb-runner", "/tmp/.cb-")


def strays(client, sid):
    """Processes left in the session's sandbox besides its runner (and this listing itself)."""
    for attempt in range(3):
        r = shell(client, sid, LIST_PROCS, timeout=10, probe=True)
        assert "result" in r, r
        if r["result"]["success"] or r["result"]["result"].get("signal") != 9:
            break
        # Seen once in a full run, right after a runner recovered from `kill -9 -1`: the listing itself was
        # SIGKILLed 14 ms in. Not reproduced in isolation; reported, and retried here so the check still runs.
        warnings.warn(f"stray-process listing was SIGKILLed (attempt {attempt + 1}): {r['result']}")
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


# Seen since main's "runners kill every leftover process after a job" (f8f01de), under load: a plain print(1)
# fails with one of these (4 of 30 in a row on this machine at load 17). Reported, and proven by
# test_plain_executions_in_a_row_all_succeed; the containment checks retry it so they still check the rest.
TRANSIENT = ("runner error: [Errno 32] Broken pipe", "killed by signal 9 (SIGKILL)", "runner died")


def xfail_if_transient(r):
    """An execution that had to succeed failed with the known transient runner error: xfail, naming it."""
    res = r.get("result", r) if "jsonrpc" in r else r
    err = (res or {}).get("error") or ""
    if not (res or {}).get("success") and any(t in err for t in TRANSIENT):
        pytest.xfail(f"known transient runner failure (see TRANSIENT): {err}")


def print1(client, sid, flavor, tries=3):
    for attempt in range(tries):
        r = run_code(client, sid, PRINT1[flavor], timeout=20)
        if r["success"] or not any(t in (r["error"] or "") for t in TRANSIENT) or attempt == tries - 1:
            return r
        warnings.warn(f"print(1) failed transiently (attempt {attempt + 1}): {r['error']}")


def assert_contained(server, client, sid, rt, bystander=None):
    """After an attack: the server is up, the same session still runs print(1) and has no process left over,
    and a bystander session is intact."""
    assert server.proc.poll() is None, "server exited:\n" + server.logs()[-3000:]
    status, body = server.http("/health/live")
    assert status == 200, body
    # Known bugs (test_the_execution_after_a_killed_one_succeeds, TRANSIENT): retried, and the rest still checked.
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


# ---- known gaps: strict xfails, so a fix makes the suite fail until the marker is removed ----

KNOWN_GAPS = {}  # (case, runtime) -> reason; none open now


def known_gap(request, case, rt, matrix_case=None):
    """Marks a known gap as a strict xfail and, given `matrix_case`, puts it in the matrix (the strict marker makes
    the suite fail if the gap is gone, so the cell cannot stay wrong)."""
    reason = KNOWN_GAPS.get((case, rt.name))
    if reason:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=reason))
        if matrix_case:
            record(matrix_case, rt.name, "GAP: " + reason.split(":", 1)[-1].strip())


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
