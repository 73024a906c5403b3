"""`codebeaker-sandbox`, the sandbox service for drivers in any language (docs/driver-protocol.md, "The sandbox
service"): the real built binary, run as the drivers run it (root), against real bwrap and cgroups."""
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import uuid

import pytest

from conftest import BUILD

TOOL = BUILD / "codebeaker-sandbox"


@pytest.fixture(autouse=True)
def _preconditions():
    if not TOOL.exists():
        raise RuntimeError(f"{TOOL} not found: run `swift build` first")
    if os.geteuid() != 0:
        pytest.skip("codebeaker-sandbox switches to the session uid and makes cgroups: it needs root")


@pytest.fixture
def session():
    """A fresh session id and workspace (owned by nobody's uid, as the host makes them); closed afterwards."""
    sid = "e2e-" + uuid.uuid4().hex[:12]
    ws = tempfile.mkdtemp(prefix="cb-sbx-")
    nobody = pwd.getpwnam("nobody")
    os.chown(ws, nobody.pw_uid, nobody.pw_gid)
    yield sid, ws
    subprocess.run([str(TOOL), "close", "--session", sid], check=True, timeout=30)
    shutil.rmtree(ws, ignore_errors=True)


def run(session, *cmd, flags=(), env=None, timeout=60):
    """Runs the tool; returns (lines of stdout as JSON, the process)."""
    sid, ws = session
    argv = [str(TOOL), "run", "--session", sid, "--workspace", ws, *flags, "--", *cmd]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    lines = [json.loads(line) for line in p.stdout.splitlines()]
    return lines, p


def result(session, *cmd, flags=(), env=None):
    lines, p = run(session, *cmd, flags=flags, env=env)
    assert p.returncode == 0, p.stderr
    assert len(lines) == 1, lines
    return lines[0]


SLEEPER = "import time\nprint('up', flush=True)\ntime.sleep(300)\n"


def sleeper(ws):
    """A program in the workspace that prints `up` once running, then sleeps; returns its argv with a marker to
    find it by (as an extra argument, in its command line)."""
    with open(os.path.join(ws, "sleeper.py"), "w") as f:
        f.write(SLEEPER)
    os.chmod(os.path.join(ws, "sleeper.py"), 0o644)
    marker = "sbx-sleeper-" + uuid.uuid4().hex[:8]
    return ["python3", "/workspace/sleeper.py", marker], marker


def running_with(marker):
    """Pids of the sleepers marked `marker` (their command line, from /proc: no procps needed)."""
    found, want = [], b"python3\0/workspace/sleeper.py\0" + marker.encode() + b"\0"
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if f.read() == want:
                    found.append(int(pid))
        except OSError:
            pass  # exited meanwhile
    return found


def cgroup_dir(sid):
    for d in ["/sys/fs/cgroup/memory/codebeaker", "/sys/fs/cgroup/codebeaker"]:
        if os.path.isdir(d):
            return os.path.join(d, "sbx-" + sid)
    return None


def test_echo_prints_one_result_line_in_the_wire_shape(session):
    r = result(session, "sh", "-c", "echo hello; echo oops >&2")
    assert r["exitCode"] == 0 and r["signal"] is None
    assert r["stdout"] == "hello\n" and r["stderr"] == "oops\n"
    assert not r["timedOut"] and not r["cancelled"] and not r["stdoutTruncated"] and not r["stderrTruncated"]
    assert isinstance(r["durationMs"], int)


def test_exit_code_is_the_programs_and_the_tool_still_exits_zero(session):
    r = result(session, "sh", "-c", "exit 7")
    assert r["exitCode"] == 7 and r["signal"] is None and "reason" not in r


def test_a_missing_command_is_exit_127_as_a_shell_reports_it(session):
    r = result(session, "no-such-command-here", "x")
    assert r["exitCode"] == 127 and r["stderr"] == "no-such-command-here: command not found\n", r


def test_timeout_kills_the_whole_tree(session):
    sid, ws = session
    argv, marker = sleeper(ws)
    # A forked child in a session of its own prints `up`, then both it and its parent sleep past the timeout.
    argv = [str(TOOL), "run", "--session", sid, "--workspace", ws, "--stream", "--timeout-ms", "3000", "--",
            "sh", "-c", f"setsid {' '.join(argv)} & sleep 300"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(p.stdout.readline())["text"] == "up\n"
    assert running_with(marker), "the sleeper is running before the timeout"
    rest, err = p.communicate(timeout=60)
    r = json.loads(rest.splitlines()[-1])
    assert r["timedOut"] and r["reason"] == "timed out after 3 s" and r["exitCode"] is None, (r, err)
    # The tool prints the result once the kernel has torn the run's pid namespace down.
    assert running_with(marker) == [], "the forked sleeper survived the timeout"


def test_output_cap_keeps_the_first_bytes_of_each_stream_and_sets_the_flags(session):
    r = result(session, "sh", "-c", "head -c 5000 /dev/zero | tr '\\0' a; echo short >&2",
               flags=["--max-output-bytes", "100"])
    assert r["stdout"] == "a" * 100 and r["stdoutTruncated"]
    assert r["stderr"] == "short\n" and not r["stderrTruncated"]
    assert r["truncated"]


def test_stream_prints_output_events_in_order_then_the_result(session):
    # The pause orders stderr's line before the next stdout one across the two pipes (when both are ready at
    # once, the reader takes stdout first, which keeps out$i before err$i).
    lines, p = run(session, "sh", "-c", "for i in 1 2 3; do echo out$i; echo err$i >&2; sleep 0.2; done",
                   flags=["--stream"])
    assert p.returncode == 0, p.stderr
    events, final = lines[:-1], lines[-1]
    assert all(e["event"] == "output" for e in events)
    seen = [(e["stream"], line) for e in events for line in e["text"].splitlines()]
    assert seen == [(s, f"{s[3:]}{i}") for i in (1, 2, 3) for s in ("stdout", "stderr")]
    assert final["stdout"] == "out1\nout2\nout3\n" and final["stderr"] == "err1\nerr2\nerr3\n"


def test_signal_death_is_a_signal_with_a_reason_not_an_exit_code(session):
    r = result(session, "sh", "-c", "kill -SEGV $$")
    assert r["signal"] == 11 and r["exitCode"] is None
    assert r["reason"] == "killed by signal 11 (SIGSEGV)"


def test_memory_limit_is_an_oom_with_its_reason(session):
    r = result(session, "python3", "-c", "b = bytearray(200 << 20); print(len(b))", flags=["--memory-mb", "64"])
    assert r["exitCode"] != 0 and "out of memory" in (r.get("reason") or ""), r


HOLDER = """import os, time
n = 0
try:
    while True:
        if os.fork() == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
except OSError as e:
    print(n, e.strerror)
"""


def test_pids_limit_contains_a_fork_bomb_and_the_session_still_works(session):
    sid, ws = session
    with open(os.path.join(ws, "holder.py"), "w") as f:
        f.write(HOLDER)
    # Holds every process it can get: the session's 32 pids include the sandbox's init and python itself.
    r = result(session, "python3", "/workspace/holder.py", flags=["--pids", "32", "--timeout-ms", "20000"])
    held, why = r["stdout"].split(" ", 1)
    assert 20 <= int(held) < 32 and why == "Resource temporarily unavailable\n", r
    # The holders died with the run's pid namespace before the result was printed: the session runs again.
    procs = os.path.join(cgroup_dir(sid).replace("/memory/", "/pids/"), "cgroup.procs")
    assert open(procs).read() == ""
    assert result(session, "echo", "after", flags=["--pids", "32"])["stdout"] == "after\n"


def test_no_network_by_default(session):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        code = f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3); print('connected')"
        r = result(session, "python3", "-c", code)
        assert r["exitCode"] != 0 and "connected" not in r["stdout"]
        assert "ConnectionRefusedError" in r["stderr"] or "unreachable" in r["stderr"], r["stderr"]
    finally:
        listener.close()


def test_network_flag_gives_the_run_its_own_namespace_with_a_nat_interface(session):
    if not os.access("/usr/bin/slirp4netns", os.X_OK):
        pytest.skip("slirp4netns is not installed (scripts/setup.sh installs it)")
    without = result(session, "cat", "/proc/net/dev")["stdout"]
    with_net = result(session, "cat", "/proc/net/dev", flags=["--network"])["stdout"]
    assert "tap0" not in without and "lo:" in without
    assert "tap0" in with_net


def test_host_files_outside_the_workspace_are_not_visible(session):
    r = result(session, "sh", "-c", "ls /root /work /home /etc/shadow 2>&1; echo; ls /workspace >/dev/null && echo ws")
    assert r["stdout"].count("No such file or directory") == 4, r["stdout"]
    assert r["stdout"].endswith("ws\n")


def test_the_hosts_environment_is_not_visible(session):
    secret = "sbx-secret-" + uuid.uuid4().hex
    env = dict(os.environ, CODEBEAKER_E2E_SECRET=secret)
    r = result(session, "sh", "-c", "env", env=env, flags=["--env", "MINE=1"])
    assert secret not in r["stdout"] and "CODEBEAKER_E2E_SECRET" not in r["stdout"]
    assert "MINE=1\n" in r["stdout"]


def test_sigterm_cancels_the_run(session):
    sid, ws = session
    argv = [str(TOOL), "run", "--session", sid, "--workspace", ws, "--stream", "--", "sh", "-c",
            "echo started; exec sleep 300"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = json.loads(p.stdout.readline())
    assert first == {"event": "output", "stream": "stdout", "text": "started\n"}
    p.send_signal(signal.SIGTERM)
    rest, err = p.communicate(timeout=30)
    assert p.returncode == 0, err
    r = json.loads(rest.splitlines()[-1])
    assert r["cancelled"] and r["reason"] == "cancelled" and not r["timedOut"]


def test_close_kills_what_still_runs_in_the_session_and_is_idempotent(session):
    sid, ws = session
    argv = [str(TOOL), "run", "--session", sid, "--workspace", ws, "--stream", "--", "sh", "-c",
            "echo started; exec sleep 300"]
    p = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert json.loads(p.stdout.readline())["text"] == "started\n"
    cg = cgroup_dir(sid)
    assert cg and os.path.isdir(cg), "the first run makes the session's cgroup"
    c = subprocess.run([str(TOOL), "close", "--session", sid], capture_output=True, text=True, timeout=30)
    assert c.returncode == 0, c.stderr
    rest, _ = p.communicate(timeout=30)
    r = json.loads(rest.splitlines()[-1])
    assert r["signal"] == 9 and r["exitCode"] is None, r
    assert not os.path.exists(cg)
    again = subprocess.run([str(TOOL), "close", "--session", sid], capture_output=True, text=True, timeout=30)
    assert again.returncode == 0, again.stderr


def test_the_session_cgroup_is_reused_across_runs_and_each_run_applies_its_limits(session):
    sid, _ = session
    result(session, "true", flags=["--memory-mb", "100"])
    cg = cgroup_dir(sid)
    assert cg and os.path.isdir(cg)
    inode = os.stat(cg).st_ino
    # A larger limit next (v1 keeps memory+swap at the old limit, which must not refuse it), then a smaller one.
    for mb in (300, 50):
        assert result(session, "true", flags=["--memory-mb", str(mb)])["exitCode"] == 0
        assert os.stat(cg).st_ino == inode
        limit = os.path.join(cg, "memory.limit_in_bytes" if "/memory/" in cg else "memory.max")
        assert int(open(limit).read()) == mb << 20


@pytest.mark.parametrize("argv", [[], ["run"], ["run", "--session", "s"], ["run", "--bogus"],
                                  ["close"], ["close", "--session", "a/b"], ["nope"],
                                  ["run", "--session", "s", "--workspace", "/tmp", "--uid", "0", "--", "id"]])
def test_usage_errors_exit_2_with_a_message(argv):
    p = subprocess.run([str(TOOL), *argv], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and p.stdout == ""
    assert p.stderr.startswith("codebeaker-sandbox: ") and "usage:" in p.stderr


def test_version():
    p = subprocess.run([str(TOOL), "--version"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0 and p.stdout.startswith("codebeaker-sandbox ")


def test_the_death_of_the_process_that_started_the_tool_cancels_its_run(session):
    sid, ws = session
    argv, marker = sleeper(ws)
    # sh starts the tool and waits for it: sh is the parent that dies (as a driver killed with -9 would).
    script = f"{TOOL} run --session {sid} --workspace {ws} --stream -- {' '.join(argv)}; echo never"
    parent = subprocess.Popen(["sh", "-c", script], stdout=subprocess.PIPE, text=True)
    assert json.loads(parent.stdout.readline())["text"] == "up\n"
    assert running_with(marker)
    parent.kill()
    parent.wait()
    # The tool holds the pipe's write end: EOF means it has exited, after printing its result.
    rest = parent.stdout.read()
    assert json.loads(rest.splitlines()[-1])["cancelled"], rest
    assert running_with(marker) == [], "the sandboxed sleeper survived"


def test_install_puts_the_tool_beside_the_drivers_and_on_path_where_a_copied_driver_finds_it(tmp_path):
    from conftest import ROOT
    prefix = tmp_path / "prefix"
    p = subprocess.run(["bash", str(ROOT / "scripts" / "install.sh"), str(BUILD)], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, PREFIX=str(prefix)))
    assert p.returncode == 0, p.stderr
    drivers = prefix / "lib" / "codebeaker" / "drivers"
    assert os.access(drivers / "codebeaker-sandbox", os.X_OK) and os.access(drivers / "codebeaker-driver-python", os.X_OK)
    assert os.path.realpath(prefix / "bin" / "codebeaker-sandbox") == str(drivers / "codebeaker-sandbox")
    shutil.copy(ROOT / "examples" / "drivers" / "codebeaker-driver-bash", drivers)
    # No CODEBEAKER_SANDBOX and a PATH without the tool: the driver finds the one beside it.
    env = {"PATH": "/usr/bin:/bin"}
    hello = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "handshake", "params": {"protocolVersions": [1]}})
    d = subprocess.run([str(drivers / "codebeaker-driver-bash")], input=hello + "\n", capture_output=True, text=True,
                       timeout=60, env=env)
    caps = json.loads(d.stdout.splitlines()[0])["result"]["capabilities"]
    assert caps["available"] and caps["isolationLevel"] == 6, caps


def test_the_bash_example_without_the_tool_is_unavailable_and_says_why(tmp_path):
    from conftest import ROOT
    shutil.copy(ROOT / "examples" / "drivers" / "codebeaker-driver-bash", tmp_path)
    hello = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "handshake", "params": {"protocolVersions": [1]}})
    d = subprocess.run([str(tmp_path / "codebeaker-driver-bash")], input=hello + "\n", capture_output=True,
                       text=True, timeout=60, env={"PATH": "/usr/bin:/bin"})
    caps = json.loads(d.stdout.splitlines()[0])["result"]["capabilities"]
    assert caps["available"] is False and caps["unavailableReason"] == "codebeaker-sandbox not found", caps


def test_the_python_example_of_the_doc_runs_as_written(session, monkeypatch):
    from conftest import ROOT
    doc = (ROOT / "docs" / "driver-protocol.md").read_text()
    block = doc.split("From Python", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    assert len(block.strip().splitlines()) <= 12
    monkeypatch.setenv("PATH", f"{TOOL.parent}:{os.environ['PATH']}")
    scope = {}
    exec(block, scope)
    sid, ws = session
    seen = []
    r = scope["sandbox_run"](sid, ws, ["sh", "-c", "echo one; echo two >&2"], on_output=lambda s, t: seen.append((s, t)))
    assert r["exitCode"] == 0 and r["stdout"] == "one\n" and r["stderr"] == "two\n"
    assert "".join(t for s, t in seen if s == "stdout") == "one\n"


def test_not_root_is_an_internal_failure_with_a_message_and_no_result_line(session):
    sid, ws = session
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", str(TOOL), "run",
                        "--session", sid, "--workspace", ws, "--", "true"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and p.stdout == ""
    assert p.stderr == "codebeaker-sandbox: must run as root: it makes cgroups and switches to the session uid\n"
