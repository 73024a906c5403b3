"""The Deno and Bun drivers over their stdio protocol: the seed's examples, permissions, timeouts, isolation.

Skipped (with the reason) when a driver is not built or its runtime is missing (the handshake says so).
"""
import os, sys, tempfile, time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from driver_client import Driver  # noqa: E402

UID = 100654


def binary(name):
    for c in ("debug", "release"):
        p = os.path.join(ROOT, ".build", c, f"codebeaker-driver-{name}")
        if os.path.exists(p):
            return p
    return None


def start(name):
    path = binary(name)
    if path is None:
        pytest.skip(f"codebeaker-driver-{name} not built")
    d = Driver(path)
    caps = d.handshake()["result"]["capabilities"]
    if not caps["available"]:
        d.close()
        pytest.skip(f"{name} unavailable: {caps.get('unavailableReason')}")
    return d


def workspace():
    ws = tempfile.mkdtemp(prefix="cbjs-")
    os.chown(ws, UID, UID)
    return ws


def open_session(d, sid, ws, language="typescript", **opts):
    options = {"uid": UID, "gid": UID, "memoryLimitMB": 512, "pidsLimit": 128}
    options.update(opts)
    r = d.call("session.open", {"session": sid, "workspace": ws, "language": language, "options": options})
    assert "result" in r, r
    return r["result"]


def run(d, sid, code, **extra):
    params = {"session": sid, "code": code}
    params.update(extra)
    r = d.call("execute", params, timeout=60)
    assert "result" in r, r
    return r["result"]


def assert_denied(d, sid, code, access):
    """Deno refuses `code` for want of the `access` permission: exit 1 with its "Requires <access> access"."""
    r = run(d, sid, code)
    assert r["exitCode"] == 1 and f"Requires {access} access" in r["stderr"], r


@pytest.fixture(params=["deno", "bun"])
def js(request):
    d = start(request.param)
    yield request.param, d
    d.close()


SEED_TS = ("const greeting: string = 'Hello from Deno!';\nconsole.log(greeting);\n"
           "const sum = (a: number, b: number): number => a + b;\nconsole.log(`Sum: ${sum(10, 20)}`);")
SEED_CALC = ("interface Calculator {\n add(a: number, b: number): number;\n}\n\nconst calc: Calculator = {\n"
             " add: (a, b) => a + b\n};\n\nconsole.log('Result:', calc.add(15, 25));")


def test_seed_typescript_runs_natively(js):
    name, d = js
    open_session(d, "s1", workspace())
    r = run(d, "s1", SEED_TS)
    assert r["exitCode"] == 0 and r["stdout"] == "Hello from Deno!\nSum: 30\n", r


def test_seed_import_of_a_workspace_typescript_file(js):
    name, d = js
    ws = workspace()
    with open(os.path.join(ws, "calculator.ts"), "w") as f:
        f.write(SEED_CALC)
    open_session(d, "s1", ws)
    r = run(d, "s1", "// Import from file\nimport('./calculator.ts');")
    assert r["exitCode"] == 0 and r["stdout"] == "Result: 40\n", r


def test_each_execution_is_a_fresh_module_and_late_timers_are_awaited(js):
    name, d = js
    open_session(d, "s1", workspace())
    assert run(d, "s1", "const x = 1; setTimeout(() => console.log('late', x), 30); console.log('now')")["stdout"] == "now\nlate 1\n"
    # Same top-level name again: a fresh module, so no redeclaration error.
    r = run(d, "s1", "const x = 2; console.log(x)")
    assert r["exitCode"] == 0 and r["stdout"] == "2\n", r
    run(d, "s1", "globalThis.leak = 1")
    assert run(d, "s1", "console.log(typeof leak)")["stdout"] == "undefined\n"


def test_errors_and_exit_codes_are_results(js):
    name, d = js
    open_session(d, "s1", workspace())
    r = run(d, "s1", "throw new Error('boom')")
    assert r["exitCode"] == 1 and "boom" in r["stderr"]
    exit_call = "Deno.exit(3)" if name == "deno" else "process.exit(3)"
    assert run(d, "s1", exit_call)["exitCode"] == 3
    assert run(d, "s1", "console.log('still alive')")["stdout"] == "still alive\n"


def test_timeout_kills_a_busy_loop_and_the_session_recovers(js):
    name, d = js
    open_session(d, "s1", workspace())
    t = time.monotonic()
    r = run(d, "s1", "while (true) {}", timeoutMs=500)
    assert r["timedOut"] is True and r["exitCode"] is None and time.monotonic() - t < 10, r
    assert run(d, "s1", "console.log('recovered')")["stdout"] == "recovered\n"


def test_runs_as_the_session_uid_inside_the_workspace(js):
    name, d = js
    ws = workspace()
    open_session(d, "s1", ws, **({"permissions": {"allowRead": True, "allowWrite": ["/workspace"]}} if name == "deno" else {}))
    r = run(d, "s1", "import fs from 'node:fs'; fs.writeFileSync('/workspace/out.txt', 'x'); console.log(process.cwd())")
    assert r["exitCode"] == 0 and r["stdout"] == "/workspace\n", r
    st = os.stat(os.path.join(ws, "out.txt"))
    assert (st.st_uid, st.st_gid) == (UID, UID)
    r = run(d, "s1", "import fs from 'node:fs'; console.log(fs.existsSync('/root'), fs.existsSync('/home'))")
    assert r["stdout"] == "false false\n", "host directories are outside the sandbox"


def test_warm_execution_is_fast(js):
    name, d = js
    open_session(d, "s1", workspace())
    run(d, "s1", "console.log(0)")
    times = []
    for _ in range(30):
        t = time.perf_counter()
        assert run(d, "s1", "console.log(1)")["stdout"] == "1\n"
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    assert times[len(times) // 2] < 15, f"{name} warm p50 {times[len(times) // 2]:.1f} ms"


def test_shell_runs_in_the_sandbox_with_the_runtime_on_path(js):
    name, d = js
    open_session(d, "s1", workspace())
    r = d.call("shell", {"session": "s1", "command": name, "args": ["--version"]})["result"]
    assert r["exitCode"] == 0 and r["stdout"].strip(), r
    r = d.call("shell", {"session": "s1", "command": "id", "args": ["-u"]})["result"]
    assert r["stdout"] == f"{UID}\n"


# Deno's permissions (the seed's `permissions` block).

SEED_PERMS = {"allowRead": ["/workspace"], "allowWrite": ["/workspace"], "allowNet": False, "allowEnv": False}


def test_deno_seed_permissions_allow_workspace_files_and_deny_network():
    with start("deno") as d:
        open_session(d, "s1", workspace(), language="deno", permissions=SEED_PERMS)
        r = run(d, "s1", "await Deno.writeTextFile('/workspace/data.txt', 'Hello!');\n"
                         "const content = await Deno.readTextFile('/workspace/data.txt');\nconsole.log(content);")
        assert r["exitCode"] == 0 and r["stdout"] == "Hello!\n", r
        r = run(d, "s1", "const response = await fetch('https://api.github.com');")
        assert r["exitCode"] == 1, r
        assert 'Requires net access to "api.github.com' in r["stderr"], r
        assert r["reason"].startswith("PermissionDenied: Requires net access"), r


def test_deno_default_denies_env_and_reads_outside_the_workspace():
    with start("deno") as d:
        open_session(d, "s1", workspace())
        assert_denied(d, "s1", "console.log(Deno.env.get('HOME'))", "env")
        assert_denied(d, "s1", "console.log(Deno.readTextFileSync('/etc/passwd'))", "read")
        assert_denied(d, "s1", "new Deno.Command('id').outputSync()", "run")


def test_deno_granted_env_and_net_lists_are_honoured():
    with start("deno") as d:
        open_session(d, "s1", workspace(), permissions={"allowEnv": ["HOME"], "allowNet": ["localhost"]})
        r = run(d, "s1", "console.log(Deno.env.get('HOME'))")
        assert r["exitCode"] == 0 and r["stdout"] == "/workspace\n", r
        assert_denied(d, "s1", "await fetch('https://example.com')", "net")


def test_deno_rejects_malformed_permissions():
    with start("deno") as d:
        r = d.call("session.open", {"session": "s1", "workspace": workspace(), "language": "deno",
                                    "options": {"uid": UID, "gid": UID, "permissions": {"allowNet": 5}}})
        assert r["error"]["code"] == -32602 and "allowNet" in r["error"]["message"], r


def test_bun_stdin_fresh_globals_and_stateful_mode():
    with start("bun") as d:
        open_session(d, "s1", workspace(), language="javascript")
        r = run(d, "s1", "const fs=require('fs');console.log(fs.readFileSync(0,'utf8').toUpperCase())", stdin="hi")
        assert r["stdout"] == "HI\n", r
        run(d, "s1", "globalThis.leak = 1")
        assert run(d, "s1", "console.log(typeof leak)")["stdout"] == "undefined\n"
        open_session(d, "s2", workspace(), language="typescript", stateful=True)
        assert run(d, "s2", "var a: number = 1; const b = 2; let c = 3;")["exitCode"] == 0
        assert run(d, "s2", "console.log(a + b + c)")["stdout"] == "6\n"


def session_cgroup_bases():
    """Where session cgroups live, as CgroupLayout.detect decides: the v1 memory and pids hierarchies, or the v2
    root; None when the host offers neither (sessions then run without a cgroup, isolation level 5)."""
    root = "/sys/fs/cgroup"
    if all(os.access(f"{root}/{c}/cgroup.procs", os.W_OK) for c in ("memory", "pids")):
        return [f"{root}/memory", f"{root}/pids"]
    try:
        offered = open(f"{root}/cgroup.controllers").read().split()
    except OSError:
        offered = []
    if {"memory", "pids"} <= set(offered) and os.access(f"{root}/cgroup.procs", os.W_OK):
        return [root]
    return None


def test_a_killed_drivers_cgroups_are_removed_by_the_next_one(js):
    """kill -9 leaves the session's cgroups behind (nothing runs in them: the runner died with its driver);
    the next driver of the same runtime removes them when it starts."""
    name, d = js
    ws = workspace()
    open_session(d, "s_stale", ws, language="typescript" if name == "deno" else "javascript")
    assert run(d, "s_stale", "console.log(1)")["stdout"] == "1\n"
    bases = session_cgroup_bases()
    if bases is None:
        pytest.skip("no writable cgroup v1 memory+pids or v2 hierarchy with them: sessions get no cgroup here")
    dirs = [f"{b}/codebeaker/{name}-{d.p.pid}-s_stale" for b in bases]
    assert all(os.path.isdir(p) for p in dirs), f"the session has no cgroup: {dirs}"
    d.p.kill()
    d.p.wait()
    assert any(os.path.isdir(p) for p in dirs), "left behind by the killed driver"
    successor = start(name)
    try:
        deadline = time.time() + 5
        while any(os.path.isdir(p) for p in dirs) and time.time() < deadline:
            time.sleep(0.05)
        assert not any(os.path.isdir(p) for p in dirs)
    finally:
        successor.close()
