"""Resource attacks on every installed runtime: fork bombs, memory, CPU, sleeping, disk, output flood, fds.
Each case must end with a clear failure in bounded time, and afterwards the same session still runs print(1), a
bystander session in another connection is intact, and the server answers /health/live."""
import base64
import json
import os
import time

import pytest

from attacks_util import (server_env, print1, RUNTIMES, PRINT1, assert_contained,
                          outcome_of, record,
                          require, run_code, shell)


QUOTA_MB = 256  # the workspace disk quota of this module's server (the default is 1024)


@pytest.fixture(scope="module")
def srv():
    from conftest import Server
    s = Server(env=server_env(CODEBEAKER_WORKSPACE_QUOTA_MB=str(QUOTA_MB)))
    yield s
    s.stop()


def js(body):
    """JS for node, deno and bun: an async function; `mod(name)` loads a node built-in (node's runner has no
    dynamic import). A snippet that throws prints THROWN, which the tests reject: a broken attack proves nothing."""
    return ("const mod = (n) => typeof require === 'function' ? require(n) : process.getBuiltinModule('node:' + n);\n"
            "(async () => {\n" + body + "\n})().catch(e => { console.log('THROWN', e && e.code, String(e)); process.exitCode = 3; });")


# ---- fork bombs ----

def test_shell_fork_bomb_is_refused_and_an_obfuscated_one_is_contained(srv, rt, att):
    c, sid, by = att
    r = shell(c, sid, ":(){ :|:& };:")
    assert r.get("error", {}).get("code") == -32011 and r["error"]["data"]["rule"] == "forkBomb", r
    record("fork bomb, shell `:(){ :|:& };:`", rt.name, "refused (forkBomb)")
    # The pattern is a courtesy: the same bomb base64-encoded passes it, and the pids cgroup must hold it.
    # `sleep` keeps sh alive so the bomb runs until the timeout (sh alone may exit before it spreads).
    encoded = base64.b64encode(b"f(){ f|f& };f; sleep 100").decode()
    start = time.monotonic()
    r = shell(c, sid, f"echo {encoded} | base64 -d | sh", timeout=3)
    assert "result" in r, r  # it ran; sh may exit at once with its children forking on, until the pids limit
    res = r["result"]["result"]
    # Killed at the timeout, or sh itself could not fork `sleep` any more once the pids limit was hit.
    stopped_by_limit = res["exitCode"] not in (0, None) and "fork" in res["stderr"].lower()
    assert (res["timedOut"] or res["signal"] or stopped_by_limit) and not r["result"]["success"], res
    assert time.monotonic() - start < 30
    assert_contained(srv, c, sid, rt, by)  # includes: no process of the bomb is left
    record("fork bomb, shell, base64-obfuscated (passes the pattern)", rt.name,
           "contained: pids limit" + (" ('Cannot fork')" if "Cannot fork" in res["stderr"] else "")
           + (", all killed at the timeout" if res["timedOut"] else
              f", killed (signal {res['signal']})" if res["signal"] else ", sh exited, the rest killed with the sandbox"))


FORK = {
    "py": "import os\nwhile True:\n    try: os.fork()\n    except OSError: pass",
    "js": js("""const { spawn } = mod('child_process');
let errors = 0;
for (;;) {
  for (let i = 0; i < 64; i++) {
    try { spawn('sleep', ['1000'], { stdio: 'ignore' }).on('error', () => errors++); } catch (e) { errors++; }
  }
  await new Promise(r => setImmediate(r));
}"""),
}


def test_language_fork_bomb_is_contained(srv, rt, att):
    c, sid, by = att
    start = time.monotonic()
    r = run_code(c, sid, FORK[rt.flavor], timeout=3)
    assert r["success"] is False and "THROWN" not in r["result"]["stdout"], r
    assert r["result"]["timedOut"] or r["result"]["signal"], r
    assert time.monotonic() - start < 30
    assert_contained(srv, c, sid, rt, by)
    record("fork bomb, " + ("os.fork loop" if rt.flavor == "py" else "child_process spawn loop"), rt.name, outcome_of(r))


# ---- memory, CPU, time ----

MEMORY = {
    "py": "x = []\nwhile True: x.append(bytearray(b'\\1' * 10_000_000))",
    "js": "const a = [];\nfor (;;) a.push(new Uint8Array(10_000_000).fill(1));",
}


def test_memory_bomb_is_killed(srv, rt, att):
    c, _, by = att
    sid = c.session(**rt.create, memoryLimitMB=128)
    r = run_code(c, sid, MEMORY[rt.flavor], timeout=30)
    assert r["success"] is False and r["error"] and "THROWN" not in r["result"]["stdout"], r
    assert not r["result"]["timedOut"], r  # the limit, not the clock, ended it
    assert_contained(srv, c, sid, rt, by)
    record("memory bomb (128 MB session)", rt.name, outcome_of(r))


CPU = {"py": "while True: pass", "js": "for (;;) {}"}
SLEEP = {"py": "import time\ntime.sleep(10**6)", "js": "setInterval(() => {}, 1000000);"}


@pytest.mark.parametrize("case", ["cpu", "sleep"])
def test_run_past_the_timeout_is_killed(srv, rt, att, case):
    c, sid, by = att
    start = time.monotonic()
    r = run_code(c, sid, (CPU if case == "cpu" else SLEEP)[rt.flavor], timeout=1)
    elapsed = time.monotonic() - start
    assert r["success"] is False and r["result"]["timedOut"] is True, r
    assert elapsed < 12, elapsed
    assert_contained(srv, c, sid, rt, by)
    record("CPU loop past the timeout" if case == "cpu" else "sleep forever", rt.name, outcome_of(r))


def test_background_child_holding_stdout_does_not_hang_the_execution(srv, rt, att):
    c, sid, by = att
    start = time.monotonic()
    r = shell(c, sid, "sleep 600 & echo started", timeout=3)
    elapsed = time.monotonic() - start
    assert "result" in r and "started" in r["result"]["result"]["stdout"], r
    assert elapsed < 15, elapsed
    assert_contained(srv, c, sid, rt, by)
    record("daemonized child keeps stdout open", rt.name, "contained: returns at exit, child killed")


# ---- disk ----

FILL = {
    "py": """import os
n = 0
try:
    with open(PATH, 'wb', buffering=0) as f:
        chunk = b'\\0' * (1 << 20)
        while n < LIMIT:
            f.write(chunk); n += 1
    print('NOFAIL', n)
except OSError as e:
    print('FAILED', n, e.errno)
""",
    "js": js("""const fs = mod('fs');
let n = 0;
const buf = new Uint8Array(1 << 20);
try {
  const fd = fs.openSync(PATH, 'w');
  while (n < LIMIT) { fs.writeSync(fd, buf); n++; }
  console.log('NOFAIL', n);
} catch (e) { console.log('FAILED', n, e.code); }"""),
}


def host_bytes(root):
    """Bytes in files under the workspace root, volume images (which hold the same data) left out."""
    total = 0
    for d, dirs, files in os.walk(root):
        dirs[:] = [x for x in dirs if x != ".volumes"]
        for f in files:
            try:
                total += os.lstat(os.path.join(d, f)).st_size
            except OSError:
                pass
    return total


@pytest.mark.parametrize("where,cap_mb", [("/workspace/fill.bin", 256), ("/tmp/fill.bin", 64)], ids=["workspace", "tmp"])
def test_filling_one_file_fails_at_the_limit(srv, rt, att, where, cap_mb):
    c, sid, by = att
    code = FILL[rt.flavor].replace("PATH", repr(where)).replace("LIMIT", str(cap_mb + 100))
    r = run_code(c, sid, code, timeout=60)
    out = r["result"]["stdout"]
    assert "NOFAIL" not in out, r
    if "FAILED" in out:  # the write failed with an error the program saw (EFBIG / ENOSPC)...
        written = int(out.split()[1])
    else:  # ...or SIGXFSZ killed it (node does not ignore it; deno's runner dies with its program)
        assert r["success"] is False and (r["result"]["signal"] or "runner died" in (r["error"] or "")), r
        written = cap_mb
    assert written <= cap_mb, out
    assert host_bytes(srv.workspace_root) <= (cap_mb + 16) << 20
    if where.startswith("/workspace"):
        assert c.execute(sid, {"type": "delete_file", "path": where})["success"]
    assert_contained(srv, c, sid, rt, by)
    record(f"disk fill, one file in {where.rsplit('/', 1)[0]}", rt.name,
           ("contained: refused before writing (runtime permissions)" if written == 0 else f"contained: write failed at {written} MB")
           if "FAILED" in out else outcome_of(r))


def test_filling_the_workspace_with_many_files_hits_the_quota(srv, rt, att):
    """Files of 100 MB, each under the 256 MB per-file limit, until the write fails: only the workspace quota
    stops this. Afterwards the host disk holds no more than the quota, and deleting files gives the room back."""
    c, sid, by = att
    most = QUOTA_MB // 100 + 2
    try:
        r = shell(c, sid, f"i=0; while [ $i -lt {most} ]; do head -c 104857600 /dev/zero > /workspace/f$i || "
                          "{ echo FAILED $i; exit 1; }; i=$((i+1)); done; echo NOFAIL", timeout=120)
        res = r["result"]["result"]
        out = res["stdout"]
        record(f"disk fill, 100 MB files until the {QUOTA_MB} MB quota", rt.name,
               f"contained: ENOSPC after {out.split()[1]} files" if "FAILED" in out
               else f"NOT CONTAINED: {most * 100} MB written")
        assert "FAILED" in out, out
        assert "No space left on device" in res["stderr"], res
        assert host_bytes(srv.workspace_root) <= (QUOTA_MB + 16) << 20
        assert not c.execute(sid, {"type": "write_file", "path": "more.txt", "content": "x" * 1_000_000})["success"]
    finally:
        for i in range(most):
            c.execute(sid, {"type": "delete_file", "path": f"f{i}"})
    w = c.execute(sid, {"type": "write_file", "path": "more.txt", "content": "x" * 1_000_000})
    assert w["success"], w
    c.execute(sid, {"type": "delete_file", "path": "more.txt"})
    assert_contained(srv, c, sid, rt, by)


# ---- output, fds ----

FLOOD = {
    "py": "import sys\nb = 'x' * (1 << 20)\nfor _ in range(100): sys.stdout.write(b)\nsys.stdout.flush()",
    "js": "const b = 'x'.repeat(1 << 20);\nfor (let i = 0; i < 100; i++) process.stdout.write(b);",
}


def test_100mb_output_flood_is_truncated_and_bounded(srv, rt, att):
    c, sid, by = att
    c.send_raw(json.dumps({"jsonrpc": "2.0", "id": 9001, "method": "session.execute", "params": {
        "sessionId": sid, "command": {"type": "execute_code", "code": FLOOD[rt.flavor], "timeout": 60}}}))
    deadline = time.monotonic() + 120
    while True:
        raw = c.ws.recv(timeout=max(1, deadline - time.monotonic()))
        msg = json.loads(raw)
        if msg.get("id") == 9001:
            break
    res = msg["result"]
    assert res["result"]["truncated"] is True and res["result"]["stdoutTruncated"] is True, str(res)[:500]
    assert len(res["result"]["stdout"].encode()) <= 1 << 20
    assert len(raw) <= 3 << 20, len(raw)  # the response frame stays bounded
    assert_contained(srv, c, sid, rt, by)
    record("100 MB output flood", rt.name, f"contained: truncated, response {len(raw) >> 10} KiB")


FDS = {
    "py": """import os
fds = []
try:
    while len(fds) < 100000: fds.append(os.open('/dev/null', os.O_RDONLY))
    print('NOFAIL', len(fds))
except OSError as e:
    print('FAILED', len(fds), e.errno)
""",
    "js": js("""const fs = mod('fs');
const fds = [];
fs.writeFileSync('/workspace/fd.txt', 'x');
try {
  while (fds.length < 100000) fds.push(fs.openSync('/workspace/fd.txt', 'r'));
  console.log('NOFAIL', fds.length);
} catch (e) { console.log('FAILED', fds.length, e.code); }"""),
}


def test_fd_exhaustion_hits_the_limit(srv, rt, att):
    c, sid, by = att
    r = run_code(c, sid, FDS[rt.flavor], timeout=30)
    out = r["result"]["stdout"].split()
    if not out and "Too many open files" in r["result"]["stderr"]:
        out = ["FAILED", "?", "EMFILE"]  # deno: the program's own module import failed once the fds were gone
    assert out[:1] == ["FAILED"] and (out[1] == "?" or int(out[1]) <= 1024) and out[2] in ("24", "EMFILE"), r
    assert_contained(srv, c, sid, rt, by)
    record("fd exhaustion", rt.name, f"contained: EMFILE after {out[1]} fds")


def test_the_execution_after_a_killed_one_succeeds(srv, rt, att):
    """A timeout kills the job, not the session: the very next execution must succeed at the first try."""
    c, sid, _ = att
    for _ in range(2):
        r = run_code(c, sid, SLEEP[rt.flavor], timeout=2)
        assert r["result"]["timedOut"], r
        r = run_code(c, sid, PRINT1[rt.flavor], timeout=20)
        record("the execution right after a timed-out one", rt.name,
               "ok" if r["success"] else "BUG: " + (r["error"] or "")[:90])
        assert r["success"] and r["result"]["stdout"] == "1\n", r


def test_plain_executions_in_a_row_all_succeed(srv, rt, att):
    """30 print(1) in one session: every one succeeds (no job is killed by the cleanup of the one before)."""
    c, sid, _ = att
    failed = []
    for _ in range(30):
        r = run_code(c, sid, PRINT1[rt.flavor], timeout=20)
        if not (r["success"] and r["result"]["stdout"] == "1\n"):
            failed.append(r["error"])
    record("30 plain print(1) in a row", rt.name, "ok" if not failed else f"BUG: {len(failed)} of 30 failed ({failed[0][:60]})")
    assert not failed, failed


def test_a_second_server_leaves_the_first_ones_containers_alone(srv, request):
    """Two servers on one host (tests, blue/green restarts), here even given the same custom instance name:
    starting the second must not remove the first's session containers."""
    docker = RUNTIMES[-1]
    require(srv, docker)
    from conftest import Server
    shared = server_env()
    first = Server(env=shared)
    second = None
    try:
        c = first.client()
        sid = c.session_when_ready(timeout=60, **docker.create)
        assert print1(c, sid, "py")["success"]
        second = Server(env=dict(shared, CODEBEAKER_DOCKER_ADOPT_GRACE_MS="0"))
        deadline = time.monotonic() + 10  # the sweep runs right after the second driver's handshake
        while True:
            r = print1(c, sid, "py")
            if not r["success"] or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        record("a second server starts on the same host (docker)", "docker",
               "ok" if r["success"] else "BUG: the first server's session container was removed")
        assert r["success"], r
        c.close()
    finally:
        if second:
            second.stop()
        first.stop()
