# CodeBeaker Python runner: a fork server inside the session sandbox (bubblewrap + cgroup).
# Control channel: fd 3, one JSON object per line. In: {"op":"exec",...} and {"op":"cancel","id"}.
# Out: {"op":"ready"} once, then {"op":"done","id",exitCode,signal,timedOut,cancelled,reason} per job.
# A job's output goes straight to fds 1 and 2, which the driver reads. Jobs arrive one at a time.
#
# Processes: this supervisor, a zygote it forks once, and "spares" the zygote forks ahead of time. A spare
# warms up (pays its copy-on-write faults) before its job arrives, so a job costs two pipe writes. The
# supervisor never forks per job, so it suffers no copy-on-write faults on the job's clock either.
#
# Idle memory: the supervisor imports only C modules (_json, _socket, _signal: json, socket and signal pull in
# re and enum, ~1.8 MB per process) and the driver starts it from a .pyc (compiling this file costs ~1.7 MB
# the interpreter never returns). The zygote imports the modules jobs used to find loaded (PRELOAD) once it
# is up, and goes with the spares when the session idles, so an idle session is one lean process.
import _json, _signal, _socket, atexit, builtins, gc, io, os, select, sys, time

# Importing this file has no side effects (Tests/runners imports it); main() reads argv and opens fd 3.
CTL_FD = 3
STATEFUL = False  # --stateful, set by main()
# kill(-1) is only safe as a process of the sandbox's own pid namespace (bwrap's init is pid 1, we are
# pid 2) running unprivileged: anywhere else it would signal every process on the host. Set by main().
IN_SANDBOX = False
SPARES = 2
# Seconds without a job after which the spares and the zygote are let go: an idle session then holds only
# this supervisor (about 3 MB PSS instead of 7-12), and the next job waits for a zygote and one spare (6-10 ms
# more, once). 0: keep them.
IDLE_TRIM_SECONDS = 30.0
# What the zygote imports once it has served its first request (then between requests), so jobs find them
# loaded, as before the supervisor went lean. A job forked before they are in pays for its own imports.
PRELOAD = ("json", "socket", "signal", "resource", "types")
last_job_end = 0.0  # time.monotonic() when the last job was reported (or the runner became ready)
PROC = "/proc"  # where kill_leftovers looks for processes (tests point it at a fake tree)
deferred = []  # exec messages read while a job was still being wound down
BASE_ENV = dict(os.environ)
ctl = None  # the control socket on CTL_FD, opened by main()
ctl_buf = b""
zygote = None  # (pid, seqpacket socket)
spares = []    # [(pid, job_w, stdin_w, status_r)]
exits = {}     # pid -> wait status reported by the zygote
worker = None  # stateful mode: (pid, pidfd, sock)


# ---- JSON through the C accelerator alone (the json package imports re) ----

class _ScanContext:
    strict = True
    object_hook = object_pairs_hook = None
    parse_float, parse_int = float, int
    memo = {}

    @staticmethod
    def parse_constant(name):
        return float({"NaN": "nan", "Infinity": "inf", "-Infinity": "-inf"}[name])


_scan = _json.make_scanner(_ScanContext)
_encode = _json.make_encoder(None, None, _json.encode_basestring_ascii, None, ":", ",", False, False, True)


def loads(data):
    s = (data.decode() if isinstance(data, (bytes, bytearray)) else data).strip(" \t\r\n")
    obj, end = _scan(s, 0)
    if end != len(s):
        raise ValueError("extra data after the JSON value")
    return obj


def dumps(obj):
    return "".join(_encode(obj, 0))


def send_fds(sock, msg, fds):
    sock.sendmsg([msg], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, b"".join(fd.to_bytes(4, sys.byteorder) for fd in fds))])


def recv_fds(sock, bufsize, maxfds):
    msg, anc, _, _ = sock.recvmsg(bufsize, _socket.CMSG_LEN(maxfds * 4))
    fds = []
    for level, kind, data in anc:
        if level == _socket.SOL_SOCKET and kind == _socket.SCM_RIGHTS:
            fds += [int.from_bytes(data[i:i + 4], sys.byteorder) for i in range(0, len(data) - len(data) % 4, 4)]
    return msg, fds


def send(obj):
    ctl.sendall((dumps(obj) + "\n").encode())


def next_message(timeout):
    """One control message, or None on timeout; exits when the driver is gone."""
    global ctl_buf
    while b"\n" not in ctl_buf:
        r, _, _ = select.select([ctl], [], [], timeout)
        if not r:
            return None
        data = ctl.recv(1 << 20)
        if not data:
            kill_everything()
            os._exit(0)
        ctl_buf += data
    line, ctl_buf = ctl_buf.split(b"\n", 1)
    return loads(line)


def kill_group(pid):
    for target in (-pid, pid):
        try:
            os.kill(target, _signal.SIGKILL)
        except OSError:
            pass


def kill_everything():
    """SIGKILL every other process of the sandbox (never outside one: see IN_SANDBOX)."""
    if not IN_SANDBOX:
        return
    # Repeat until nothing but init, this process and zombies is left: a process forked while kill(-1) ran
    # (the zygote making a spare) escapes one round, and an orphaned spare could steal the next job.
    for _ in range(200):
        try:
            os.kill(-1, _signal.SIGKILL)
        except OSError:
            pass
        if not others_alive():
            break
        time.sleep(0.002)
    drop_zygote()


def kill_leftovers(job_pid):
    """SIGKILL what finished jobs left running, including processes that left the job's process group
    (setsid). Spared: bwrap's init, this supervisor, the zygote and its children (spares, and the job that
    just ended, which is exiting anyway). A spare the zygote forked but has not announced yet is its child
    too, so it is never mistaken for a leftover."""
    if not IN_SANDBOX:
        return
    me = os.getpid()
    z = zygote[0] if zygote is not None else -1
    known = {1, me, z, job_pid} | {s[0] for s in spares}
    try:
        names = os.listdir(PROC)
    except OSError:
        return
    for name in names:
        if not name.isdigit():
            continue
        pid = int(name)
        if pid in known:
            continue
        try:
            with open("%s/%d/stat" % (PROC, pid), "rb") as f:
                ppid = int(f.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if ppid in (me, z):
            continue
        try:
            os.kill(pid, _signal.SIGKILL)
        except OSError:
            pass


def others_alive():
    me = os.getpid()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) not in (1, me):
            try:
                with open("/proc/%s/stat" % name, "rb") as f:
                    state = f.read().rsplit(b")", 1)[1].split()[0]
            except (OSError, IndexError):
                continue
            if state != b"Z":
                return True
    return False


def reap_any():
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def close_inherited(keep):
    """In a fresh child: close every descriptor above stderr except `keep` (a new program sees none)."""
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd > 2 and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


# ---- running code the way `python3 -c` does ----

def exit_code_of(e):
    c = e.code
    if c is None:
        return 0
    if isinstance(c, int):
        return c & 0xFF
    try:
        sys.stderr.write(str(c) + "\n")
    except Exception:
        pass
    return 1


def run_source(src, g, filename="<string>"):
    try:
        code = compile(src, filename, "exec")
        exec(code, g)
        return 0
    except SystemExit as e:
        return exit_code_of(e)
    except BaseException as e:
        # Drop this function's frame so the traceback reads like `python3 -c`.
        tb = e.__traceback__
        tb = tb.tb_next if tb is not None else None
        try:
            sys.excepthook(type(e), e.with_traceback(tb), tb)
        except Exception:
            pass
        return 1


def flush_std():
    for f in (sys.stdout, sys.stderr):
        try:
            f.flush()
        except Exception:
            pass


def fresh_main():
    add_job_paths()
    mod = type(sys)("__main__")
    mod.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = mod
    sys.argv[:] = ["-c"]
    sys.path[0] = ""
    return mod.__dict__


def add_job_paths():
    """What a new interpreter would add to sys.path now: PYTHONPATH and the user site (pip --user, which
    lands in /workspace/.local since HOME is /workspace)."""
    extra = [p for p in os.environ.get("PYTHONPATH", "").split(":") if p]
    venv_site_dir()
    try:
        import site
        user = site.getusersitepackages()
        if os.path.isdir(user):
            extra.append(user)
    except Exception:
        pass
    for p in reversed(extra):
        if p not in sys.path:
            sys.path.insert(1, p)


def venv_site_dir():
    """The session venv (install_packages, docs/packages.md), once it exists: its site-packages ahead of the
    system's, .pth files processed, as its own interpreter would."""
    venv = os.environ.get("VIRTUAL_ENV")
    sp = venv and os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
    if sp and sp not in sys.path and os.path.isdir(sp):
        import site
        site.addsitedir(sp)
        sys.path.remove(sp)
        at = next((i for i, p in enumerate(sys.path) if p.endswith(("-packages", "-packages/"))), len(sys.path))
        sys.path.insert(at, sp)


def apply_env(job):
    extra = job.get("env")
    if not extra:
        return BASE_ENV  # the process environment is still the sandbox's
    env = dict(BASE_ENV)
    env.update(extra)
    os.environ.clear()
    os.environ.update(env)
    return env


WARM_CODE = "import sys\nx = [i * 2 for i in range(100)]\nprint(x[1], str(x), repr(1.5), len(x), {'a': 1})\n"


def warm_up():
    """In a spare, before its job: touch the interpreter paths a job uses, so their copy-on-write page
    faults are paid now rather than on the job's clock (about 1 ms per job on this kind of VM)."""
    out = sys.stdout
    sys.stdout = io.StringIO()
    try:
        exec(compile(WARM_CODE, "<string>", "exec"), {"__builtins__": builtins})
        loads(dumps({"op": "exec", "id": 1, "code": "x", "env": {}, "cwd": "/", "timeoutMs": 1}))
    except BaseException:
        pass
    finally:
        sys.stdout = out


def set_cpu_limit(job):
    try:
        import resource  # loaded by the zygote's PRELOAD, normally
        secs = int(job.get("timeoutMs", 30000) / 1000) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (secs, secs + 1))
    except Exception:
        pass


def child_run(job, status_w):
    """In the spare, stdin in place: become the job and never return. A job that ends by itself writes its
    exit code on status_w, so the supervisor need not wait for the process teardown. The supervisor, not
    the job, reports "done": if user code killed the supervisor (kill -9 -1), no "done" may claim the
    runner is still fit for the next job."""
    rc = 1
    try:
        env = apply_env(job)
        os.chdir(job.get("cwd") or "/workspace")
        set_cpu_limit(job)
        if job["kind"] == "shell" and as_python(job["argv"]) is not None:
            rc = run_python_argv(as_python(job["argv"]))
        elif job["kind"] == "shell":
            argv = job["argv"]
            try:
                os.execvpe(argv[0], argv, env)  # status_w is close-on-exec: the zygote reports the exit
            except FileNotFoundError:
                os.write(2, ("%s: command not found\n" % argv[0]).encode())
                rc = 127
            except PermissionError:
                os.write(2, ("%s: permission denied\n" % argv[0]).encode())
                rc = 126
        else:
            rc = run_source(job["code"], fresh_main())
        if job["kind"] != "shell" or as_python(job["argv"]) is not None:
            try:
                atexit._run_exitfuncs()
            except BaseException:
                pass
            if "threading" in sys.modules:
                try:
                    sys.modules["threading"]._shutdown()
                except BaseException:
                    pass
            flush_std()
    except BaseException as e:
        try:
            os.write(2, ("runner: %s\n" % e).encode())
        except Exception:
            pass
    try:
        os.write(status_w, bytes([rc & 0xFF]))
    except OSError:
        pass
    os._exit(rc)


PYTHONS = ("python3", "python", "/usr/bin/python3", "/usr/bin/python", "python3.11", "/usr/bin/python3.11")


def as_python(argv):
    """`python3 script.py args...` or `python3 -c code args...`: the argv after the interpreter, when this
    fork server can run it exactly as a new interpreter would (no other interpreter flags)."""
    if len(argv) >= 2 and argv[0] in PYTHONS:
        if argv[1] == "-c" and len(argv) >= 3:
            return argv[1:]
        if not argv[1].startswith("-"):
            return argv[1:]
    return None


def run_python_argv(args):
    """Runs a script or -c program in this (forked, warmed) interpreter instead of exec'ing a new one."""
    g = fresh_main()
    sys.argv[:] = args if args[0] != "-c" else ["-c"] + args[2:]
    if args[0] == "-c":
        return run_source(args[1], g)
    path = args[0]
    try:
        with open(path, "rb") as f:
            src = f.read()
    except OSError as e:
        sys.stderr.write("python3: can't open file %r: [Errno %d] %s\n" % (os.path.abspath(path), e.errno, e.strerror))
        return 2
    path = os.path.abspath(path)  # as python >= 3.9 reports a script's __file__ and traceback frames
    sys.path[0] = os.path.dirname(path)
    g["__file__"] = path
    return run_source(src, g, path)


# ---- the zygote: forks warmed-up spares on request and reports every child's exit ----

def zygote_main(sock):
    # After each fork every page is shared with the new spare, so each page this loop writes is copied:
    # it formats its messages as bytes rather than through json (about 40 fewer page copies per fork).
    r, w = os.pipe()
    os.set_blocking(w, False)
    _signal.set_wakeup_fd(w)
    _signal.signal(_signal.SIGCHLD, lambda *_: None)
    close_inherited((sock.fileno(), r, w))  # spares (and user code) never see the control channel
    preload = list(PRELOAD)
    forks = 0
    while True:
        try:
            # The request that started this zygote (a job may wait for it) goes first; after it, a module goes
            # in whenever 20 ms pass without a request, and under a steady stream one after each later fork.
            ready, _, _ = select.select([sock, r], [], [], 0.02 if preload and forks else None)
        except InterruptedError:
            continue
        if not ready:
            preload_one(preload)
            continue
        if r in ready:
            os.read(r, 4096)
            try:
                while True:
                    pid, st = os.waitpid(-1, os.WNOHANG)
                    if pid == 0:
                        break
                    sock.send(b'{"exit": %d, "status": %d}' % (pid, st))
            except ChildProcessError:
                pass
        if sock in ready:
            msg = sock.recv(64)
            if not msg:
                os._exit(0)
            forks += 1
            job_r, job_w = os.pipe()
            in_r, in_w = os.pipe()
            st_r, st_w = os.pipe()
            pid = fork_retrying()
            if pid == 0:
                spare_main(job_r, in_r, st_w, msg != b"N")
            os.close(job_r); os.close(in_r); os.close(st_w)
            send_fds(sock, b'{"spare": %d}' % pid, [job_w, in_w, st_r])
            os.close(job_w); os.close(in_w); os.close(st_r)
            if preload and forks > 2:  # the spare is delivered first
                preload_one(preload)


def preload_one(preload):
    try:
        __import__(preload.pop(0))
    except ImportError:
        pass
    if not preload:
        gc.freeze()  # as the supervisor did: the collector leaves inherited pages alone


def spare_main(job_r, in_r, st_w, warm=True):
    try:
        _signal.set_wakeup_fd(-1)
        _signal.signal(_signal.SIGCHLD, _signal.SIG_DFL)
        os.setpgid(0, 0)
        os.dup2(in_r, 0)
        close_inherited((job_r, st_w))
        if warm:  # not when a job already waits for this spare: the warm-up would only delay it
            warm_up()
        chunks = []
        while True:
            b = os.read(job_r, 1 << 20)
            if not b:
                break
            chunks.append(b)
        os.close(job_r)
        if chunks:
            child_run(loads(b"".join(chunks)), st_w)
    finally:
        os._exit(1)


def fork_retrying(seconds=3.0):
    """fork(), waiting out EAGAIN: right after a fork bomb is killed the pids limit is still exhausted
    until its zombies are reaped."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            return os.fork()
        except BlockingIOError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def ensure_zygote():
    global zygote
    if zygote is None:
        a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_SEQPACKET)
        pid = fork_retrying()
        if pid == 0:
            a.close()
            try:
                zygote_main(b)
            finally:
                os._exit(1)
        b.close()
        zygote = (pid, a)
    return zygote


def drop_zygote():
    global zygote
    for s in spares:
        for fd in s[1:]:
            os.close(fd)
    del spares[:]
    exits.clear()
    if zygote is not None:
        try:
            os.kill(zygote[0], _signal.SIGKILL)
            os.waitpid(zygote[0], 0)  # at once: a session idling many times leaves no zombie behind
        except OSError:
            pass
        zygote[1].close()
        zygote = None
    reap_any()


def zygote_message():
    """Handles one message from the zygote; returns False if it is gone."""
    try:
        msg, fds = recv_fds(zygote[1], 4096, 3)
    except OSError:
        msg, fds = b"", []
    if not msg:
        drop_zygote()
        return False
    m = loads(msg)
    if "spare" in m:
        spares.append((m["spare"], fds[0], fds[1], fds[2]))
    elif "exit" in m:
        exits[m["exit"]] = m["status"]
    return True


def ask_zygote(warm=True):
    """Asks the zygote for one more spare (`warm`: one that warms up before its job). A zygote found dead
    (killed from inside the sandbox, e.g. by a previous job's `kill -9 -1`) is replaced instead of failing the
    job with EPIPE."""
    for _ in range(3):
        ensure_zygote()
        try:
            zygote[1].send(b"F" if warm else b"N")
            return
        except OSError:
            drop_zygote()
    raise OSError("cannot start the zygote")


def request_spares():
    ensure_zygote()
    pending = SPARES - len(spares)
    for _ in range(pending):
        ask_zygote()
    return pending


def trim_spares():
    """Lets the spares and the zygote go (closing a spare's job pipe unread makes it exit): the idle session
    is then this process alone. The next job starts a zygote again (take_spare), a few ms once."""
    drop_zygote()


def idle_timeout():
    """How long the main loop may wait before the zygote and spares are due to go (None: nothing to trim)."""
    if (not spares and zygote is None) or IDLE_TRIM_SECONDS <= 0:
        return None
    return max(0.0, last_job_end + IDLE_TRIM_SECONDS - time.monotonic())


def take_spare():
    if not spares:  # the first job after an idle trim (or a burst): one spare now, the rest after the job
        ask_zygote(warm=False)
        while not spares:
            if not zygote_message():
                ask_zygote(warm=False)
    return spares.pop(0)


# ---- supervising a running job ----

class Job:
    def __init__(self, job):
        self.job = job
        self.deadline = time.monotonic() + job.get("timeoutMs", 30000) / 1000.0
        self.timed_out = False
        self.cancelled = False

    def check_control(self, kill):
        msg = next_message(0)
        if not msg:
            return
        if msg.get("op") == "cancel" and msg.get("id") == self.job["id"]:
            if not (self.cancelled or self.timed_out):
                self.cancelled = True
                kill()
        elif msg.get("op") == "exec":
            deferred.append(msg)  # not expected (jobs come one at a time), but never dropped

    def on_wake(self, rl, pid):
        """After wait(): the deadline passed (rl is None: kill the job's group, True) or a control message
        may have come (acted on; False, the caller looks at its own descriptors)."""
        if rl is None:
            self.timed_out = True
            kill_group(pid)
            return True
        if ctl in rl:
            self.check_control(lambda: kill_group(pid))
        return False

    def wait(self, rfds, w, pending):
        """select() honouring the deadline, feeding stdin on w; returns (readable, w, pending)."""
        while True:
            if b"\n" in ctl_buf:
                return [ctl], w, pending
            remaining = None if (self.timed_out or self.cancelled) else max(0.0, self.deadline - time.monotonic())
            rl, wl, _ = select.select(rfds, [w] if w is not None else [], [], remaining)
            if wl:
                try:
                    n = os.write(w, pending)
                    pending = pending[n:]
                except BlockingIOError:
                    pass
                except OSError:
                    pending = b""
                if not pending:
                    os.close(w)
                    w = None
            if rl:
                return rl, w, pending
            if not wl and remaining is not None and time.monotonic() >= self.deadline:
                return None, w, pending


def status_of(st):
    if os.WIFSIGNALED(st):
        return None, os.WTERMSIG(st)
    return os.WEXITSTATUS(st), None


def run_forked(job):
    """A job sent to this supervisor over the control channel: hand it to a spare, then supervise it."""
    exits.clear()  # reports of earlier jobs' processes
    encoded = dumps(job).encode()
    for attempt in range(4):
        pid, job_w, in_w, st_r = take_spare()
        payload = encoded
        try:
            while payload:
                n = os.write(job_w, payload)
                payload = payload[n:]
            break
        except BrokenPipeError:
            # The spare died before it read anything, so the job has not started: take another.
            for fd in (job_w, in_w, st_r):
                os.close(fd)
            if attempt == 3:
                raise
    os.close(job_w)
    in_w, data = stdin_feed(job, in_w)
    supervise_job(job, pid, st_r, in_w, data)


def stdin_feed(job, w):
    """The job's stdin bytes and the pipe to feed them through (closed at once, and None, when there are none)."""
    data = (job.get("stdin") or "").encode()
    if not data:
        os.close(w)
        return None, data
    os.set_blocking(w, False)
    return w, data


def supervise_job(job, pid, st_r, in_w, data):
    """Waits for the job in spare `pid`: stdin, cancel, timeout, exit; then cleans up and reports."""
    j = Job(job)
    code = sig = None
    st_open = True
    try:
        while True:
            if pid in exits:
                code, sig = status_of(exits.pop(pid))
                break
            rfds = [ctl, zygote[1]] + ([st_r] if st_open else [])
            rl, in_w, data = j.wait(rfds, in_w, data)
            if j.on_wake(rl, pid):
                continue
            if st_open and st_r in rl:
                b = os.read(st_r, 1)
                if b:
                    code = b[0]
                    break
                st_open = False  # exec'd, or died without reporting: the zygote will tell
            if zygote[1] in rl and not zygote_message():
                code, sig = None, _signal.SIGKILL  # the zygote (and with it the job) is gone
                break
    finally:
        os.close(st_r)
        if in_w is not None:
            os.close(in_w)
    kill_group(pid)  # background leftovers of the job's process group
    if (j.timed_out or j.cancelled) and not STATEFUL:
        kill_everything()  # anything that escaped the group (setsid, fork bombs)
    if not STATEFUL:
        kill_leftovers(pid)  # a fresh program per call: nothing of this one may outlive it
    send({"op": "done", "id": job["id"], "exitCode": code, "signal": sig, "timedOut": j.timed_out, "cancelled": j.cancelled})
    # Refill after reporting, so the zygote's fork and the spare's warm-up do not compete with the job
    # for the CPU; the other spare covers a job that arrives meanwhile.
    request_spares()


# ---- stateful mode: one persistent worker keeps the globals ----

def worker_main(sock):
    os.setpgid(0, 0)
    close_inherited((sock.fileno(),))
    g = fresh_main()
    while True:
        msg, fds = recv_fds(sock, 1 << 24, 1)
        if not msg:
            os._exit(0)
        job = loads(msg)
        stdin_r = fds[0] if fds else os.open("/dev/null", os.O_RDONLY)
        os.dup2(stdin_r, 0)
        os.close(stdin_r)
        sys.stdin = open(0, "r", closefd=False)
        apply_env(job)
        venv_site_dir()  # a venv created by an install since the worker started
        try:
            os.chdir(job.get("cwd") or "/workspace")
        except OSError:
            pass
        rc = run_source(job["code"], g)
        flush_std()
        sock.sendall(dumps({"exitCode": rc}).encode())


def ensure_worker():
    global worker
    if worker is None:
        a, b = _socket.socketpair(_socket.AF_UNIX, _socket.SOCK_STREAM)
        pid = fork_retrying()
        if pid == 0:
            try:
                worker_main(b)
            finally:
                os._exit(1)
        b.close()
        worker = (pid, os.pidfd_open(pid), a)
    return worker


def drop_worker():
    global worker
    if worker is None:
        return
    pid, pidfd, sock = worker
    kill_group(pid)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    os.close(pidfd)
    sock.close()
    worker = None


def run_stateful(job):
    pid, pidfd, sock = ensure_worker()
    r, w = os.pipe()
    payload = dumps({"code": job["code"], "env": job.get("env"), "cwd": job.get("cwd")}).encode()
    send_fds(sock, payload, [r])
    os.close(r)
    w, data = stdin_feed(job, w)
    j = Job(job)
    reply = status = None
    try:
        while True:
            rl, w, data = j.wait([ctl, pidfd, sock], w, data)
            if j.on_wake(rl, pid):
                continue
            if sock in rl:
                b = sock.recv(1 << 16)
                if b:
                    reply = loads(b)
                    break
            if pidfd in rl:
                _, status = os.waitpid(pid, 0)
                break
    finally:
        if w is not None:
            os.close(w)
    if reply is not None and not (j.timed_out or j.cancelled):
        send({"op": "done", "id": job["id"], "exitCode": reply["exitCode"], "signal": None, "timedOut": False, "cancelled": False})
        return
    # The worker died, timed out or was cancelled: its state is gone.
    code, sig = status_of(status) if status is not None else (None, _signal.SIGKILL)
    if status is not None:
        os.close(pidfd)
        sock.close()
        globals()["worker"] = None
    drop_worker()
    reason = "the interpreter exited; its state was reset"
    if j.timed_out:
        reason = "timed out after %g s; interpreter state was reset" % (job.get("timeoutMs", 30000) / 1000.0)
    elif j.cancelled:
        reason = "cancelled; interpreter state was reset"
    send({"op": "done", "id": job["id"], "exitCode": code, "signal": sig, "timedOut": j.timed_out, "cancelled": j.cancelled, "reason": reason})


def main(argv):
    global STATEFUL, IN_SANDBOX, ctl, IDLE_TRIM_SECONDS, last_job_end
    STATEFUL = "--stateful" in argv
    for a in argv:
        if a.startswith("--idle-trim="):
            IDLE_TRIM_SECONDS = float(a.split("=", 1)[1])
    IN_SANDBOX = "--sandboxed" in argv and os.getpid() <= 3 and os.getuid() != 0
    ctl = _socket.socket(fileno=CTL_FD)
    gc.freeze()  # keep the collector from dirtying every inherited page in forked children
    if STATEFUL:
        ensure_worker()
    request_spares()
    send({"op": "ready", "pid": os.getpid()})
    last_job_end = time.monotonic()
    while True:
        if deferred:
            handle_exec(deferred.pop(0))
            continue
        if b"\n" not in ctl_buf:
            rl, _, _ = select.select([ctl] + ([zygote[1]] if zygote else []), [], [], idle_timeout())
            if not rl:
                trim_spares()
                continue
            if zygote is not None and zygote[1] in rl:
                zygote_message()
                if zygote is None:
                    request_spares()  # killed from inside (a job's kill -9 -1): replaced at once
            if ctl not in rl:
                continue
        msg = next_message(0)
        if msg is None:
            continue
        if msg.get("op") == "exec":
            handle_exec(msg)


def handle_exec(msg):
    global last_job_end
    try:
        if STATEFUL and msg["kind"] == "code":
            run_stateful(msg)
        else:
            run_forked(msg)
    except Exception as e:
        send({"op": "done", "id": msg.get("id"), "exitCode": None, "signal": None, "timedOut": False,
              "cancelled": False, "reason": "runner error: %s" % e})
    finally:
        last_job_end = time.monotonic()


if __name__ == "__main__":
    main(sys.argv)
