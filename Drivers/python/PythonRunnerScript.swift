/// The Python runner: a fork server that runs inside the session sandbox (see RunnerProcess for the protocol).
/// Kept as a string so the driver is a single executable; written to /var/lib/codebeaker/runners/python/.
let pythonRunnerScript = #"""
# CodeBeaker Python runner: a fork server inside the session sandbox. Control channel on fd 3 (line JSON),
# each job's output goes straight to fds 1 and 2 (read by the driver). See DriverKit RunnerProcess.
import builtins, json, os, select, signal, socket, sys, types

CTL_FD = 3
STATEFUL = "--stateful" in sys.argv
BASE_ENV = dict(os.environ)
ctl = socket.socket(fileno=CTL_FD)
ctl_buf = b""
worker = None  # stateful mode: (pid, pidfd, sock)


def send(obj):
    ctl.sendall((json.dumps(obj) + "\n").encode())


def next_message(timeout):
    """One control message, None on timeout; exits when the driver is gone."""
    global ctl_buf
    while b"\n" not in ctl_buf:
        r, _, _ = select.select([ctl], [], [], timeout)
        if not r:
            return None
        data = ctl.recv(1 << 20)
        if not data:
            shutdown()
        ctl_buf += data
    line, ctl_buf = ctl_buf.split(b"\n", 1)
    return json.loads(line)


def shutdown():
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    os._exit(0)


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


def run_source(src, g):
    """Runs src like `python3 -c` would; returns the exit code."""
    try:
        code = compile(src, "<string>", "exec")
        exec(code, g)
        return 0
    except SystemExit as e:
        return exit_code_of(e)
    except BaseException as e:
        tb = e.__traceback__
        try:
            sys.excepthook(type(e), e, tb.tb_next if tb is not None else None)
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
    mod = types.ModuleType("__main__")
    mod.__dict__["__builtins__"] = builtins
    sys.modules["__main__"] = mod
    sys.argv[:] = ["-c"]
    sys.path[0] = ""
    return mod.__dict__


def apply_env(job):
    env = dict(BASE_ENV)
    env.update(job.get("env") or {})
    os.environ.clear()
    os.environ.update(env)
    return env


def set_cpu_limit(job):
    try:
        import resource
        secs = int(job.get("timeoutMs", 30000) / 1000) + 2
        resource.setrlimit(resource.RLIMIT_CPU, (secs, secs + 1))
    except Exception:
        pass


def child_setup(job, stdin_r, keep=()):
    os.setpgid(0, 0)
    os.dup2(stdin_r, 0) if stdin_r is not None else os.dup2(os.open("/dev/null", os.O_RDONLY), 0)
    for fd in [CTL_FD] + list(keep):
        try:
            os.close(fd)
        except OSError:
            pass
    if stdin_r is not None and stdin_r > 2:
        os.close(stdin_r)
    env = apply_env(job)
    os.chdir(job.get("cwd") or "/workspace")
    set_cpu_limit(job)
    return env


def child_code(job, stdin_r, keep):
    try:
        child_setup(job, stdin_r, keep)
        g = fresh_main()
        rc = run_source(job["code"], g)
        try:
            import atexit
            atexit._run_exitfuncs()
        except BaseException:
            pass
        if "threading" in sys.modules:
            try:
                sys.modules["threading"]._shutdown()
            except BaseException:
                pass
        flush_std()
    except BaseException:
        rc = 1
    os._exit(rc)


def child_shell(job, stdin_r, keep):
    argv = job["argv"]
    try:
        env = child_setup(job, stdin_r, keep)
        os.execvpe(argv[0], argv, env)
    except FileNotFoundError:
        os.write(2, ("%s: command not found\n" % argv[0]).encode())
        os._exit(127)
    except PermissionError:
        os.write(2, ("%s: permission denied\n" % argv[0]).encode())
        os._exit(126)
    except BaseException as e:
        os.write(2, ("%s: %s\n" % (argv[0], e)).encode())
        os._exit(127)


def stdin_pipe(job):
    data = job.get("stdin")
    if data is None:
        return None, None, b""
    r, w = os.pipe()
    os.set_blocking(w, False)
    return r, w, data.encode()


def status_of(st):
    if os.WIFSIGNALED(st):
        return None, os.WTERMSIG(st)
    return os.WEXITSTATUS(st), None


def supervise(job, pid, pidfd, w, pending, extra_rfds=(), on_extra=None):
    """Waits for the job: feeds stdin, honours cancel and the timeout. Returns (status, timedOut, cancelled)."""
    deadline = time_now() + job.get("timeoutMs", 30000) / 1000.0
    timed_out = cancelled = False
    while True:
        wfds = [w] if w is not None else []
        rfds = [ctl, pidfd] + list(extra_rfds)
        remaining = max(0.0, deadline - time_now())
        if ctl_buf and b"\n" in ctl_buf:
            rl = [ctl]
            wl = []
        else:
            rl, wl, _ = select.select(rfds, wfds, [], remaining)
        if not rl and not wl and not timed_out and not cancelled and time_now() >= deadline:
            timed_out = True
            kill_group(pid)
            continue
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
        if ctl in rl:
            msg = next_message(0)
            if msg and msg.get("op") == "cancel" and msg.get("id") == job["id"] and not cancelled:
                cancelled = True
                kill_group(pid)
        if on_extra is not None:
            for fd in rl:
                if fd in extra_rfds:
                    res = on_extra(fd)
                    if res is not None:
                        if w is not None:
                            os.close(w)
                        return res, timed_out, cancelled
        if pidfd in rl:
            _, st = os.waitpid(pid, 0)
            if w is not None:
                os.close(w)
            return st, timed_out, cancelled


def time_now():
    import time
    return time.monotonic()


def kill_group(pid):
    for target in (-pid, pid):
        try:
            os.kill(target, signal.SIGKILL)
        except OSError:
            pass


def kill_strays():
    try:
        os.kill(-1, signal.SIGKILL)
    except OSError:
        pass
    try:
        while os.waitpid(-1, os.WNOHANG)[0] > 0:
            pass
    except ChildProcessError:
        pass


def run_forked(job):
    r, w, data = stdin_pipe(job)
    keep = [w] if w is not None else []
    if worker is not None:
        keep += [worker[1], worker[2].fileno()]
    pid = os.fork()
    if pid == 0:
        (child_shell if job["kind"] == "shell" else child_code)(job, r, keep)
    if r is not None:
        os.close(r)
    pidfd = os.pidfd_open(pid)
    try:
        st, timed_out, cancelled = supervise(job, pid, pidfd, w, data)
    finally:
        os.close(pidfd)
    code, sig = status_of(st)
    if worker is None or timed_out or cancelled:
        kill_strays() if worker is None else kill_group(pid)
    send({"op": "done", "id": job["id"], "exitCode": code, "signal": sig, "timedOut": timed_out, "cancelled": cancelled})


# ---- stateful mode: one persistent worker keeps the globals ----

def worker_main(sock):
    os.setpgid(0, 0)
    os.close(CTL_FD)
    g = fresh_main()
    while True:
        msg, fds, _, _ = socket.recv_fds(sock, 1 << 24, 1)
        if not msg:
            os._exit(0)
        job = json.loads(msg)
        stdin_r = fds[0] if fds else os.open("/dev/null", os.O_RDONLY)
        os.dup2(stdin_r, 0)
        os.close(stdin_r)
        sys.stdin = open(0, "r", closefd=False)
        apply_env(job)
        try:
            os.chdir(job.get("cwd") or "/workspace")
        except OSError:
            pass
        rc = run_source(job["code"], g)
        flush_std()
        sock.sendall(json.dumps({"exitCode": rc}).encode())


def ensure_worker():
    global worker
    if worker is not None:
        return worker
    a, b = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        a.close()
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
    r, w, data = stdin_pipe(job)
    if r is None:
        r = os.open("/dev/null", os.O_RDONLY)
    payload = json.dumps({"code": job["code"], "env": job.get("env"), "cwd": job.get("cwd")}).encode()
    socket.send_fds(sock, [payload], [r])
    os.close(r)

    def on_reply(fd):
        reply = sock.recv(1 << 16)
        return ("reply", json.loads(reply) if reply else None)

    res, timed_out, cancelled = supervise(job, pid, pidfd, w, data, extra_rfds=(sock,), on_extra=on_reply)
    if isinstance(res, tuple) and res[0] == "reply" and res[1] is not None and not (timed_out or cancelled):
        send({"op": "done", "id": job["id"], "exitCode": res[1]["exitCode"], "signal": None, "timedOut": False, "cancelled": False})
        return
    # The worker died, timed out or was cancelled: its state is gone.
    st = res if isinstance(res, int) else None
    drop_worker()
    code, sig = status_of(st) if st is not None else (None, signal.SIGKILL)
    reason = "interpreter state was reset"
    if timed_out:
        reason = "timed out after %g s; interpreter state was reset" % (job.get("timeoutMs", 30000) / 1000.0)
    send({"op": "done", "id": job["id"], "exitCode": code, "signal": sig, "timedOut": timed_out, "cancelled": cancelled, "reason": reason})


def main():
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    send({"op": "ready", "pid": os.getpid()})
    while True:
        msg = next_message(None)
        if msg is None or msg.get("op") != "exec":
            continue
        try:
            if STATEFUL and msg["kind"] == "code":
                run_stateful(msg)
            else:
                run_forked(msg)
        except Exception as e:
            send({"op": "done", "id": msg.get("id"), "exitCode": None, "signal": None, "timedOut": False, "cancelled": False, "reason": "runner error: %s" % e})


main()
"""#
