"""Unit tests of the Python runner's own logic (Drivers/python/Resources/runner.py), imported as a module: the
zygote and its warmed spares, a job's supervision (done report, timeout, a spare or zygote that died), and the
leftover kill after a job. The e2e suites test the runner through the driver; these pin the pieces."""
import importlib.util
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import pytest

RUNNER = pathlib.Path(__file__).resolve().parents[2] / "Drivers" / "python" / "Resources" / "runner.py"


def load_runner(name):
    """A fresh copy of the runner module (its globals are the supervisor's state)."""
    spec = importlib.util.spec_from_file_location(name, RUNNER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture
def runner(request):
    """A fresh runner, its control channel a socketpair."""
    mod = load_runner("cb_runner_" + request.node.name.replace("[", "_").replace("]", "_"))
    ours, theirs = socket.socketpair()
    mod.ctl = ours  # the driver's end is `theirs`
    mod.driver_end = theirs
    yield mod
    mod.drop_worker()
    mod.drop_zygote()
    ours.close()
    theirs.close()


@pytest.fixture
def stdio(capfd, monkeypatch):
    """sys.stdin, sys.stdout and sys.stderr on fds 0, 1 and 2, as in the sandbox (output captured by capfd):
    a spare reads its job's stdin from fd 0, forked jobs write to 1 and 2,
    and the zygote closes every other descriptor, pytest's own capture files too. Requested by the test itself,
    because pytest re-installs its capture objects when the test's call phase starts, after fixture setup."""
    def install():
        monkeypatch.setattr(sys, "stdin", open(0, "r", closefd=False))
        monkeypatch.setattr(sys, "stdout", open(1, "w", buffering=1, closefd=False))
        monkeypatch.setattr(sys, "stderr", open(2, "w", buffering=1, closefd=False))
        return capfd
    return install


def done_message(runner, timeout=10.0):
    """The next line the runner sent on its control channel."""
    runner.driver_end.settimeout(timeout)
    buf = b""
    while b"\n" not in buf:
        chunk = runner.driver_end.recv(65536)
        assert chunk, "control channel closed"
        buf += chunk
    line, rest = buf.split(b"\n", 1)
    assert rest == b""
    return json.loads(line)


def wait_for_spares(runner, n, timeout=10.0):
    deadline = time.monotonic() + timeout
    while len(runner.spares) < n:
        assert time.monotonic() < deadline, "the zygote made %d spares, not %d" % (len(runner.spares), n)
        assert runner.zygote_message(), "the zygote is gone"


def parent_of(pid):
    with open("/proc/%d/stat" % pid, "rb") as f:
        return int(f.read().rsplit(b")", 1)[1].split()[1])


def wait_dead(pid, timeout=5.0):
    """Until `pid` (not our child) is gone or a zombie."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid, "rb") as f:
                if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                    return
        except FileNotFoundError:
            return
        time.sleep(0.005)
    raise AssertionError("pid %d still alive" % pid)


def job(id, code, timeout_ms=10000, **extra):
    return dict({"op": "exec", "id": id, "kind": "code", "code": code, "cwd": "/", "timeoutMs": timeout_ms}, **extra)


# ---- importing has no side effects ----

def test_importing_the_runner_opens_nothing_and_starts_nothing(runner):
    assert runner.zygote is None and runner.spares == [] and runner.worker is None
    assert runner.STATEFUL is False and runner.IN_SANDBOX is False


# ---- the zygote and its spares ----

def test_the_zygote_forks_warmed_spares_ahead_of_jobs(runner):
    assert runner.request_spares() == runner.SPARES == 2
    wait_for_spares(runner, 2)
    zpid = runner.zygote[0]
    assert parent_of(zpid) == os.getpid()
    for pid, job_w, stdin_w, status_r in runner.spares:
        assert parent_of(pid) == zpid  # forked by the zygote, never by the supervisor
        for fd in (job_w, stdin_w, status_r):
            os.fstat(fd)  # the three pipes came along (SCM_RIGHTS)
    assert runner.request_spares() == 0  # full: nothing more asked


def test_a_job_runs_in_the_oldest_spare_and_the_spares_are_refilled(runner, stdio):
    capfd = stdio()
    runner.request_spares()
    wait_for_spares(runner, 2)
    first, second = runner.spares[0][0], runner.spares[1][0]
    runner.run_forked(job(1, "import os, sys\nprint('pid', os.getpid())\nsys.exit(3)"))
    assert done_message(runner) == {"op": "done", "id": 1, "exitCode": 3, "signal": None, "timedOut": False,
                                    "cancelled": False}
    assert capfd.readouterr().out == "pid %d\n" % first
    assert [s[0] for s in runner.spares][:1] == [second]
    wait_for_spares(runner, 2)  # the refill asked for after the report


def test_a_job_gets_its_stdin(runner, stdio):
    capfd = stdio()
    runner.run_forked(job(2, "import sys\nprint(sys.stdin.read().upper())", stdin="abc"))
    assert done_message(runner)["exitCode"] == 0
    assert capfd.readouterr().out == "ABC\n"


def test_a_job_past_its_deadline_is_killed_and_reported_timed_out(runner):
    start = time.monotonic()
    runner.run_forked(job(3, "while True:\n    pass", timeout_ms=300))
    m = done_message(runner)
    assert (m["timedOut"], m["signal"], m["exitCode"], m["cancelled"]) == (True, signal.SIGKILL, None, False)
    assert time.monotonic() - start < 5


def test_a_cancel_for_the_running_job_kills_it(runner):
    runner.driver_end.sendall(b'{"op":"cancel","id":4}\n')
    runner.run_forked(job(4, "import time\ntime.sleep(30)"))
    m = done_message(runner)
    assert (m["cancelled"], m["timedOut"], m["signal"]) == (True, False, signal.SIGKILL)


def test_a_spare_that_died_before_its_job_is_skipped(runner, stdio):
    capfd = stdio()
    runner.request_spares()
    wait_for_spares(runner, 2)
    dead, alive = runner.spares[0][0], runner.spares[1][0]
    os.kill(dead, signal.SIGKILL)
    wait_dead(dead)
    runner.run_forked(job(5, "import os\nprint(os.getpid())"))
    assert done_message(runner)["exitCode"] == 0
    assert capfd.readouterr().out == "%d\n" % alive


def test_the_idle_trim_lets_the_spares_and_the_zygote_go_and_the_next_job_starts_them_again(runner, stdio):
    capfd = stdio()
    runner.request_spares()
    wait_for_spares(runner, 2)
    old = [s[0] for s in runner.spares]
    old_zygote = runner.zygote[0]
    runner.trim_spares()
    assert runner.spares == [] and runner.zygote is None and runner.idle_timeout() is None  # nothing left
    # The zygote was our child and is reaped; each spare exits on its own (EOF on its job pipe).
    with pytest.raises(ChildProcessError):
        os.waitpid(old_zygote, os.WNOHANG)
    for pid in old:
        wait_dead(pid)
    runner.run_forked(job(6, "import os\nprint(os.getpid())"))
    assert done_message(runner)["exitCode"] == 0
    assert int(capfd.readouterr().out) not in old
    assert runner.zygote is not None and runner.zygote[0] != old_zygote


def test_the_supervisor_imports_no_module_that_pulls_in_re_or_enum():
    """An idle session is the supervisor alone: json, socket, signal (re, enum) would cost it ~1.8 MB."""
    probe = ("import sys; before = set(sys.modules); p = sys.argv[1]; "
             "exec(compile(open(p).read(), p, 'exec'), {'__name__': 'probe'}); "
             "print(' '.join(sorted(set(sys.modules) - before)))")
    out = subprocess.run([sys.executable, "-s", "-c", probe, str(RUNNER)], capture_output=True, text=True, check=True)
    loaded = set(out.stdout.split())
    assert "_json" in loaded  # the probe sees the runner's imports
    assert loaded.isdisjoint({"json", "re", "enum", "socket", "signal", "resource", "types", "selectors"}), loaded


def test_the_control_codec_round_trips_what_the_driver_sends(runner):
    msg = {"op": "exec", "id": 7, "code": "print('\u00e9\\n')", "env": {"A": "1"}, "timeoutMs": 1.5,
           "stdin": None, "flag": True, "argv": ["a", "b"]}
    assert runner.loads(runner.dumps(msg)) == msg
    assert json.loads(runner.dumps(msg)) == msg
    assert runner.loads(b' {"a": [1, 2.5, null, false]}\n') == {"a": [1, 2.5, None, False]}
    with pytest.raises(ValueError):
        runner.loads('{"a": 1} x')


def test_jobs_forked_after_the_zygote_preloads_find_its_modules_loaded(runner, stdio, monkeypatch):
    assert "colorsys" not in sys.modules  # a module nothing here imports: only the zygote's preload can
    monkeypatch.setattr(runner, "PRELOAD", ("colorsys",))
    capfd = stdio()
    deadline = time.monotonic() + 20
    i = 10
    while True:  # the first spares may be forked before the preload; later ones after it
        i += 1
        runner.run_forked(job(i, "import sys\nprint(all(m in sys.modules for m in %r))" % (runner.PRELOAD,)))
        assert done_message(runner)["exitCode"] == 0
        if capfd.readouterr().out == "True\n":
            break
        assert time.monotonic() < deadline, "no job saw the zygote's preloaded modules"


def test_the_idle_trim_is_due_idle_trim_seconds_after_the_last_job(runner, monkeypatch):
    runner.request_spares()
    wait_for_spares(runner, 2)
    monkeypatch.setattr(runner, "IDLE_TRIM_SECONDS", 30.0)
    monkeypatch.setattr(runner.time, "monotonic", lambda: 1000.0)
    monkeypatch.setattr(runner, "last_job_end", 990.0)
    assert runner.idle_timeout() == 20.0
    monkeypatch.setattr(runner, "last_job_end", 900.0)
    assert runner.idle_timeout() == 0.0
    monkeypatch.setattr(runner, "IDLE_TRIM_SECONDS", 0.0)
    assert runner.idle_timeout() is None  # 0: never trim


def test_a_dead_zygote_is_dropped_with_its_spares_and_replaced(runner, stdio):
    capfd = stdio()
    runner.request_spares()
    wait_for_spares(runner, 2)
    old = runner.zygote[0]
    os.kill(old, signal.SIGKILL)
    os.waitpid(old, 0)
    # What the idle supervisor does when the zygote's socket reports EOF (see main()).
    assert runner.zygote_message() is False
    assert runner.zygote is None and runner.spares == []
    runner.request_spares()
    assert runner.zygote[0] != old
    runner.run_forked(job(6, "print('after')"))
    assert done_message(runner)["exitCode"] == 0
    assert capfd.readouterr().out == "after\n"


def test_asking_a_dead_zygote_for_a_spare_starts_a_new_one(runner):
    runner.ensure_zygote()
    old = runner.zygote[0]
    os.kill(old, signal.SIGKILL)
    os.waitpid(old, 0)
    runner.ask_zygote()  # the send meets EPIPE: replaced, not failed
    assert runner.zygote is not None and runner.zygote[0] != old
    wait_for_spares(runner, 1)


# ---- the leftover kill after a job (plain sessions: nothing of a finished program may outlive it) ----

def fake_proc(root, procs):
    """A /proc with `pid -> ppid` entries (None: no readable stat), plus entries that are not processes."""
    for pid, ppid in procs.items():
        d = root / str(pid)
        d.mkdir()
        if ppid is not None:
            (d / "stat").write_bytes(b"%d (a) b) S %d 0 0 0" % (pid, ppid))  # a name with ") " in it
    (root / "self").mkdir()
    (root / "sys").mkdir()


@pytest.fixture
def killed(runner, monkeypatch):
    got = []

    def record(pid, sig):
        assert sig == signal.SIGKILL
        got.append(pid)
    monkeypatch.setattr(runner.os, "kill", record)
    return got


def test_leftovers_die_but_init_supervisor_zygote_spares_and_their_children_live(runner, tmp_path, killed):
    me = os.getpid()
    zygote, spare, job_pid = 100, 101, 102
    fake_proc(tmp_path, {
        1: 0, me: 1, zygote: me, spare: zygote, job_pid: zygote,
        103: me,        # the supervisor's own child (a stateful worker)
        104: zygote,    # a spare the zygote forked but has not announced yet
        105: 1,         # a job's daemon (setsid, reparented to init)
        106: 105,       # and its child
        107: job_pid,   # a background process of the job that just ended
        108: None,      # gone while listing
    })
    runner.PROC = str(tmp_path)
    runner.IN_SANDBOX = True
    runner.zygote = (zygote, None)
    runner.spares = [(spare, -1, -1, -1)]
    runner.kill_leftovers(job_pid)
    runner.zygote, runner.spares = None, []  # nothing real to drop
    assert sorted(killed) == [105, 106, 107]


def test_no_leftover_kill_outside_a_sandbox(runner, tmp_path, killed):
    fake_proc(tmp_path, {1: 0, 105: 1})
    runner.PROC = str(tmp_path)
    runner.IN_SANDBOX = False
    runner.kill_leftovers(200)
    assert killed == []


def test_the_sandbox_check_needs_the_flag_a_small_pid_and_no_root(runner, monkeypatch):
    monkeypatch.setattr(runner._socket, "socket", lambda fileno: None)
    monkeypatch.setattr(runner, "gc", None)  # main() stops at gc.freeze(): only its flag parsing runs
    with pytest.raises(AttributeError):
        runner.main(["runner.py", "--sandboxed"])
    assert runner.IN_SANDBOX is (os.getpid() <= 3 and os.getuid() != 0)
    assert runner.STATEFUL is False
