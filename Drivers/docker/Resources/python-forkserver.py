import atexit, importlib, os, runpy, signal, socket, struct, sys, traceback

SOCK = sys.argv[1]
# What user programs commonly import first, loaded once here and shared copy-on-write (atexit, runpy and
# traceback are used below as well).
for preloaded in ("array", "types"):
    importlib.import_module(preloaded)

BASE_ENV = dict(os.environ)


def fields(buf):
    """The request as cb-runner encodes it from cwd on: strings are u32 length + bytes."""
    off = 0
    def u32():
        nonlocal off
        v = struct.unpack_from(">I", buf, off)[0]
        off += 4
        return v
    def s():
        nonlocal off
        n = u32()
        v = buf[off:off + n]
        off += n
        return v
    cwd, path, content = s(), s(), s()
    s()  # the run's stdin: cb-runner feeds it through the pipe it passes along
    argv = [s().decode() for _ in range(u32())]
    env = [s().decode() for _ in range(u32())]
    return cwd.decode(), path.decode(), content, argv, env


def child(conn, fds, buf):
    os.setsid()
    for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.set_wakeup_fd(-1)
    conn.close()
    for i, fd in enumerate(fds):
        os.dup2(fd, i)
        os.close(fd)
    cwd, path, content, argv, env = fields(buf)
    os.environ.clear()
    os.environ.update(BASE_ENV)
    for e in env:
        k, _, v = e.partition("=")
        os.environ[k] = v
    add_venv()
    code = 0
    try:
        if path:
            with open(path, "wb") as f:
                f.write(content)
        if cwd:
            os.chdir(cwd)
        script = argv[2] if len(argv) > 2 else path
        sys.argv = argv[2:] or [script]
        sys.path[0] = os.path.dirname(os.path.abspath(script))
        if os.environ.get("PYTHONUNBUFFERED"):
            sys.stdout.reconfigure(write_through=True)
            sys.stderr.reconfigure(write_through=True)
        runpy.run_path(script, run_name="__main__")
    except SystemExit as e:
        if e.code is None:
            code = 0
        elif isinstance(e.code, int):
            code = e.code & 0xFF
        else:
            print(e.code, file=sys.stderr)
            code = 1
    except BaseException as e:
        # As python3 prints it: the user's frames only, not runpy's.
        tb = e.__traceback__
        while tb is not None and tb.tb_frame.f_code.co_filename != script:
            tb = tb.tb_next
        traceback.print_exception(type(e), e, tb)
        code = 1
    try:
        atexit._run_exitfuncs()
    except BaseException:
        traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    os._exit(code)


def add_venv():
    """The session venv (install_packages), once it exists: its site-packages ahead of the system's, .pth
    files processed, as the venv's own interpreter would (the server itself runs /usr/bin/python3)."""
    venv = os.environ.get("VIRTUAL_ENV")
    sp = venv and os.path.join(venv, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
    if sp and sp not in sys.path and os.path.isdir(sp):
        import site
        site.addsitedir(sp)
        sys.path.remove(sp)
        sys.path.insert(1, sp)


def warm_up():
    """Runs the child's path once so lazily imported machinery is loaded before any fork."""
    path = SOCK + ".warm.py"
    with open(path, "w") as f:
        f.write("x = 1\n")
    runpy.run_path(path, run_name="__main__")
    os.unlink(path)
    import gc
    gc.collect()
    gc.freeze()  # no copy-on-write of the whole heap by a collection in each child


def main():
    warm_up()
    try:
        os.unlink(SOCK)
    except FileNotFoundError:
        pass
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(SOCK)
    os.chmod(SOCK, 0o666)  # cb-runner connects as root without CAP_DAC_OVERRIDE
    srv.listen(64)
    wake_r, wake_w = os.pipe()
    os.set_blocking(wake_w, False)
    signal.set_wakeup_fd(wake_w)
    signal.signal(signal.SIGCHLD, lambda *a: None)
    children = {}
    import selectors
    sel = selectors.DefaultSelector()
    sel.register(srv, selectors.EVENT_READ, "accept")
    sel.register(wake_r, selectors.EVENT_READ, "wake")
    print("ready", flush=True)
    while True:
        for key, _ in sel.select():
            if key.data == "accept":
                conn, _ = srv.accept()
                try:
                    head, fds, _, _ = socket.recv_fds(conn, 4, 3)
                    while 0 < len(head) < 4:
                        more = conn.recv(4 - len(head))
                        if not more:
                            break
                        head += more
                    n = struct.unpack(">I", head)[0] if len(head) == 4 else 0
                    buf = bytearray()
                    while len(buf) < n:
                        part = conn.recv(min(1 << 20, n - len(buf)))
                        if not part:
                            break
                        buf += part
                    if len(fds) != 3 or len(buf) != n:
                        raise OSError("short request")
                except OSError:
                    conn.close()
                    continue
                sys.stdout.flush()
                sys.stderr.flush()
                pid = os.fork()
                if pid == 0:
                    sel.close()
                    srv.close()
                    os.close(wake_r)
                    os.close(wake_w)
                    child(conn, fds, bytes(buf))
                for fd in fds:
                    os.close(fd)
                conn.sendall(b"P" + struct.pack(">i", pid))
                children[pid] = conn
            else:
                try:
                    os.read(wake_r, 4096)
                except BlockingIOError:
                    pass
        while children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            conn = children.pop(pid, None)
            if conn is not None:
                try:
                    conn.sendall(b"S" + struct.pack(">i", status))
                except OSError:
                    pass
                conn.close()


main()
