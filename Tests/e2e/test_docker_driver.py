"""The Docker driver against the real daemon, over its stdio protocol.

Skipped (with the reason) only when /var/run/docker.sock is absent or the images are not built.
Each test run uses its own instance label, so other drivers sharing the daemon are never touched.
"""
import os, signal, subprocess, sys, tempfile, time, uuid

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from driver_client import Driver  # noqa: E402
from conftest import wait_until  # noqa: E402

SOCK = "/var/run/docker.sock"
BIN = os.environ.get("CODEBEAKER_DRIVER_DOCKER") or next(
    (p for p in (os.path.join(ROOT, ".build", c, "codebeaker-driver-docker") for c in ("debug", "release")) if os.path.exists(p)),
    None)

pytestmark = [
    pytest.mark.skipif(not os.path.exists(SOCK), reason=f"no Docker daemon socket at {SOCK}"),
    pytest.mark.skipif(BIN is None, reason="codebeaker-driver-docker not built (swift build --product codebeaker-driver-docker)"),
]

INSTANCE = f"test-{os.getpid()}-{uuid.uuid4().hex[:6]}"
UID = 100321


def docker_ids(*labels):
    args = ["docker", "ps", "-aq", "--no-trunc", "--filter", f"label=codebeaker.instance={INSTANCE}"]
    for l in labels:
        args += ["--filter", f"label={l}"]
    return set(subprocess.run(args, capture_output=True, text=True, check=True).stdout.split())


def image_present(name):
    return subprocess.run(["docker", "image", "inspect", name], capture_output=True).returncode == 0


def start_driver(pool=1, grace_ms=60000, sweep_ms=30000):
    os.environ.update({"CODEBEAKER_DOCKER_INSTANCE": INSTANCE, "CODEBEAKER_DOCKER_POOL": str(pool),
                       "CODEBEAKER_DOCKER_ADOPT_GRACE_MS": str(grace_ms),
                       "CODEBEAKER_DOCKER_ORPHAN_SWEEP_MS": str(sweep_ms),
                       "CODEBEAKER_DOCKER_POOL_IMAGES": "codebeaker-python"})
    d = Driver(BIN)
    hs = d.handshake()
    assert hs["result"]["capabilities"]["available"], hs
    return d


def workspace():
    d = tempfile.mkdtemp(prefix="cbws-")
    os.chown(d, UID, UID)
    return d


def open_session(d, sid, language, ws, **opts):
    options = {"uid": UID, "gid": UID, "memoryLimitMB": 512, "cpuShares": 1024, "pidsLimit": 256, "network": False}
    options.update(opts)
    handle = options.pop("handle", None)
    return d.call("session.open", {"session": sid, "workspace": ws, "language": language, "handle": handle,
                                   "options": options}, timeout=60)


@pytest.fixture(scope="module", autouse=True)
def images_and_cleanup():
    for img in ("codebeaker-python", "codebeaker-nodejs", "codebeaker-go"):
        if not image_present(img):
            pytest.skip(f"{img} not built: run scripts/build-runtime-images.sh")
    yield
    left = docker_ids()
    if left:
        subprocess.run(["docker", "rm", "-f", *left], capture_output=True)
    assert not left, f"containers leaked by the tests: {left}"


@pytest.fixture
def driver():
    d = start_driver()
    yield d
    d.close()
    assert wait_until(lambda: not docker_ids(), 15), f"containers left after shutdown: {docker_ids()}"


def test_python_node_and_go_sessions_run_code(driver):
    ws = workspace()
    cases = [("python", "import os; print('py', os.getuid())", f"py {UID}\n"),
             ("javascript", "console.log('js', process.getuid())", f"js {UID}\n"),
             ("go", 'package main\nimport "fmt"\nfunc main() { fmt.Println("Hello from Go") }', "Hello from Go\n")]
    for lang, code, expected in cases:
        r = open_session(driver, f"s_{lang}", lang, ws)["result"]
        assert len(r["containerId"]) == 64 and r["containerId"] == r["handle"]
        assert r["containerId"] in docker_ids(), "containerId is the real Docker id"
        res = driver.call("execute", {"session": f"s_{lang}", "handle": r["handle"], "code": code, "timeoutMs": 60000},
                          timeout=90)["result"]
        assert res["exitCode"] == 0, res
        assert res["stdout"] == expected
    for lang, _, _ in cases:
        assert driver.call("session.close", {"session": f"s_{lang}"})["result"] == {"closed": True}
    assert wait_until(lambda: not docker_ids("codebeaker.session=s_python"))


def test_seed_go_example_through_shell(driver):
    ws = workspace()
    with open(os.path.join(ws, "main.go"), "w") as f:
        f.write('package main\n\nimport "fmt"\n\nfunc main() {\n fmt.Println("Hello from Go")\n}')
    open_session(driver, "s_go_seed", "go", ws)
    res = driver.call("shell", {"session": "s_go_seed", "command": "go", "args": ["run", "/workspace/main.go"],
                                "timeoutMs": 60000}, timeout=90)["result"]
    assert res["exitCode"] == 0 and res["stdout"] == "Hello from Go\n", res
    driver.call("session.close", {"session": "s_go_seed"})


def test_workspace_is_shared_with_the_host_and_isolated_per_session(driver):
    ws_a, ws_b = workspace(), workspace()
    open_session(driver, "s_a", "python", ws_a)
    open_session(driver, "s_b", "python", ws_b)
    r = driver.call("execute", {"session": "s_a", "code": "open('/workspace/a.txt','w').write('from a')"})["result"]
    assert r["exitCode"] == 0, r
    assert open(os.path.join(ws_a, "a.txt")).read() == "from a"
    r = driver.call("shell", {"session": "s_b", "command": "ls", "args": ["-A", "/workspace"]})["result"]
    assert r["stdout"] == "", "session b must not see session a's files"
    for s in ("s_a", "s_b"):
        driver.call("session.close", {"session": s})


def test_network_is_none_by_default_and_root_is_read_only(driver):
    ws = workspace()
    open_session(driver, "s_net", "python", ws)
    r = driver.call("shell", {"session": "s_net", "command": "cat", "args": ["/proc/net/dev"]})["result"]
    ifaces = [l.split(":")[0].strip() for l in r["stdout"].splitlines()[2:]]
    assert ifaces == ["lo"], ifaces
    r = driver.call("shell", {"session": "s_net", "command": "touch", "args": ["/etc/x"]})["result"]
    assert r["exitCode"] != 0 and "Read-only file system" in r["stderr"]
    r = driver.call("shell", {"session": "s_net", "command": "grep", "args": ["CapEff", "/proc/self/status"]})["result"]
    assert r["stdout"].split() == ["CapEff:", "0000000000000000"]
    driver.call("session.close", {"session": "s_net"})


def test_timeout_kills_the_run_and_the_session_keeps_working(driver):
    ws = workspace()
    open_session(driver, "s_to", "python", ws)
    t = time.monotonic()
    r = driver.call("execute", {"session": "s_to", "code": "import time\nprint('start', flush=True)\ntime.sleep(30)",
                                "timeoutMs": 700})["result"]
    assert time.monotonic() - t < 5
    assert r["timedOut"] is True and r["exitCode"] is None and "timed out" in r["reason"]
    assert r["stdout"] == "start\n"
    r = driver.call("execute", {"session": "s_to", "code": "print(2)"})["result"]
    assert r["exitCode"] == 0 and r["stdout"] == "2\n"
    driver.call("session.close", {"session": "s_to"})


def test_memory_limit_is_enforced_and_reported(driver):
    ws = workspace()
    open_session(driver, "s_mem", "python", ws, memoryLimitMB=64)
    r = driver.call("execute", {"session": "s_mem", "code": "x = bytearray(300 * 1024 * 1024)\nprint('survived')",
                                "timeoutMs": 20000}, timeout=40)["result"]
    assert r["exitCode"] != 0 and "survived" not in r["stdout"], r
    assert r["reason"] == "killed: out of memory (limit 64 MB)" or "MemoryError" in r["stderr"], r
    driver.call("session.close", {"session": "s_mem"})


def test_streaming_sends_output_events_in_order(driver):
    ws = workspace()
    open_session(driver, "s_stream", "python", ws)
    rid = driver.send("execute", {"session": "s_stream", "code": "for i in range(3): print(i)", "stream": True})
    r = driver.wait(rid)["result"]
    events = [e["params"] for e in driver.events.get(rid, []) if e["method"] == "output"]
    assert "".join(e["data"] for e in events) == r["stdout"] == "0\n1\n2\n"
    assert [e["seq"] for e in events] == list(range(len(events)))
    driver.call("session.close", {"session": "s_stream"})


def pool_ready(d):
    return d.call("docker.status")["result"]["poolReady"].get("codebeaker-python", 0)


def test_pool_hands_out_warm_containers_and_refills(driver):
    assert wait_until(lambda: pool_ready(driver) == 1, 30), "pool warmed up"
    assert len(docker_ids("codebeaker.pool=1")) == 1
    ws = workspace()
    r = open_session(driver, "s_pool", "python", ws)["result"]
    assert r["pooled"] is True
    assert wait_until(lambda: pool_ready(driver) == 1, 30), "refilled while the first is in use"
    assert len(docker_ids("codebeaker.pool=1")) == 2
    name = subprocess.run(["docker", "inspect", "-f", "{{.Name}}", r["containerId"]], capture_output=True, text=True).stdout
    assert name.strip() == "/codebeaker-s_pool"
    driver.call("session.close", {"session": "s_pool"})
    assert r["containerId"] not in docker_ids(), "a used container is never returned to the pool"


def test_csharp_without_an_image_explains_bring_your_own():
    d = start_driver(pool=0)
    try:
        r = open_session(d, "s_cs", "csharp", workspace())
        assert r["error"]["code"] == -32002
        assert "dockerImage" in r["error"]["message"]
    finally:
        d.close()


def test_nothing_leaks_after_kill_9_and_restart():
    before = docker_ids()
    d = start_driver(pool=1)
    ws = workspace()
    handles = [open_session(d, f"s_k{i}", "python", ws)["result"]["handle"] for i in range(2)]
    assert set(handles) <= docker_ids()
    os.kill(d.p.pid, signal.SIGKILL)
    d.p.wait()
    assert set(handles) <= docker_ids(), "containers survive the crash (to be re-adopted)"
    # Restart: the leftovers wait for re-adoption for the grace period, then go.
    d2 = start_driver(pool=0, grace_ms=1500, sweep_ms=500)
    try:
        assert wait_until(lambda: not (docker_ids() - before), 20), f"leftovers: {docker_ids() - before}"
    finally:
        d2.close()
    assert docker_ids() == before


def test_restarted_driver_readopts_a_session_by_handle():
    d = start_driver(pool=1)
    ws = workspace()
    h = open_session(d, "s_re", "python", ws)["result"]["handle"]
    d.call("execute", {"session": "s_re", "code": "open('/workspace/keep.txt','w').write('kept')"})
    os.kill(d.p.pid, signal.SIGKILL)
    d.p.wait()
    d2 = start_driver(pool=0, grace_ms=60000)
    try:
        r = open_session(d2, "s_re", "python", ws, handle=h)["result"]
        assert r["handle"] == h and r["containerId"] == h
        res = d2.call("execute", {"session": "s_re", "code": "print(open('/workspace/keep.txt').read())"})["result"]
        assert res["stdout"] == "kept\n", res
        d2.call("session.close", {"session": "s_re"})
        assert h not in docker_ids()
    finally:
        d2.close()
    assert wait_until(lambda: not docker_ids(), 15)


def fork_servers_ready(d):
    return d.call("docker.status")["result"]["forkServersReady"]


def test_python_fork_server_runs_like_python3_and_survives_being_killed(driver):
    ws = workspace()
    open_session(driver, "s_fs", "python", ws, env={"SESSION_VAR": "s"})
    assert wait_until(lambda: fork_servers_ready(driver) == 1, 30), "fork server started"
    cases = [
        ("import os, sys; print(os.getuid(), os.getcwd(), __name__, os.environ['SESSION_VAR'], os.environ['REQ'])", {},
         0, f"{UID} /workspace __main__ s r\n", ""),
        ("print(input().upper())", {"stdin": "abc\n"}, 0, "ABC\n", ""),
        ("import sys; print('x'); sys.exit(4)", {}, 4, "x\n", ""),
        ("def f():\n    raise ValueError('bad')\nf()", {}, 1, "", "ValueError: bad"),
        ("import atexit; atexit.register(lambda: print('bye'))", {}, 0, "bye\n", ""),
    ]
    for code, extra, code_exp, out_exp, err_sub in cases:
        params = {"session": "s_fs", "code": code, "env": {"REQ": "r"}}
        params.update(extra)
        r = driver.call("execute", params)["result"]
        assert r["exitCode"] == code_exp and r["stdout"] == out_exp and err_sub in r["stderr"], (code, r)
        assert "runpy" not in r["stderr"] and "forkserver" not in r["stderr"]
    r = driver.call("execute", {"session": "s_fs", "code": "import time; print('t', flush=True); time.sleep(20)",
                                "timeoutMs": 600})["result"]
    assert r["timedOut"] and r["stdout"] == "t\n", r
    # User code that kills every process of its uid takes the fork server down too: executions keep working.
    driver.call("shell", {"session": "s_fs", "command": "sh", "args": ["-c", "kill -9 -1"]})
    r = driver.call("execute", {"session": "s_fs", "code": "print('still here')"})["result"]
    assert r["exitCode"] == 0 and r["stdout"] == "still here\n", r
    assert wait_until(lambda: fork_servers_ready(driver) == 1, 30), "fork server restarted"
    driver.call("session.close", {"session": "s_fs"})


def test_orphans_of_this_instance_are_swept_but_sessions_and_pool_are_not():
    d = start_driver(pool=1, sweep_ms=300)
    try:
        ws = workspace()
        sid_handle = open_session(d, "s_keep", "python", ws)["result"]["handle"]
        assert wait_until(lambda: d.call("docker.status")["result"]["poolReady"].get("codebeaker-python") == 1, 30)
        # What a kill -9 during a create leaves behind: a container of ours that nobody owns.
        orphan = subprocess.run(["docker", "create", "--label", "codebeaker.driver=docker", "--label",
                                 f"codebeaker.instance={INSTANCE}", "--name", f"codebeaker-pool-orphan{os.getpid()}",
                                 "codebeaker-base", "sleep", "60"], capture_output=True, text=True, check=True).stdout.strip()
        assert wait_until(lambda: orphan not in docker_ids(), 20), "orphan removed"
        assert sid_handle in docker_ids(), "the session's container is kept"
        assert d.call("docker.status")["result"]["poolReady"].get("codebeaker-python") == 1, "the pool is kept"
        r = d.call("execute", {"session": "s_keep", "code": "print('ok')"})["result"]
        assert r["stdout"] == "ok\n"
    finally:
        d.close()
    assert wait_until(lambda: not docker_ids(), 15)


def test_close_racing_a_reopen_after_restart_leaves_nothing():
    d = start_driver(pool=0)
    ws = workspace()
    h = open_session(d, "s_race", "python", ws)["result"]["handle"]
    os.kill(d.p.pid, signal.SIGKILL)
    d.p.wait()
    d2 = start_driver(pool=0, grace_ms=60000)
    try:
        # The host re-opens with the old handle while its client closes the session: both in flight at once.
        options = {"uid": UID, "gid": UID}
        r1 = d2.send("session.open", {"session": "s_race", "workspace": ws, "language": "python", "handle": h,
                                      "options": options})
        r2 = d2.send("session.close", {"session": "s_race", "handle": h})
        d2.wait(r1, 60)
        assert d2.wait(r2, 60)["result"] == {"closed": True}
        d2.call("session.close", {"session": "s_race"})
        assert wait_until(lambda: h not in docker_ids(), 20), "the re-adopted or leftover container is removed"
    finally:
        d2.close()
    assert wait_until(lambda: not docker_ids(), 15)


class TCPToUnixProxy:
    """Serves the Docker socket on a TCP port, so DOCKER_HOST=tcp://... can be tested without reconfiguring dockerd."""

    def __init__(self, host):
        import socket, threading
        self.srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind((host, 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        import socket, threading
        while True:
            try:
                c, _ = self.srv.accept()
            except OSError:
                return
            self.connections += 1
            u = socket.socket(socket.AF_UNIX)
            u.connect(SOCK)
            for a, b in ((c, u), (u, c)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    @staticmethod
    def _pump(a, b):
        import socket
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    b.shutdown(socket.SHUT_WR)
                    return
                b.sendall(data)
        except OSError:
            return

    def close(self):
        self.srv.close()


def non_loopback_ip():
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    return out[0] if out else None


def test_docker_host_tcp_remote_engine_mode():
    ip = non_loopback_ip()
    # Never skipped: this module runs only beside a running dockerd, whose bridge (docker0) is such an address.
    assert ip, "no non-loopback address to act as a remote engine"
    proxy = TCPToUnixProxy(ip)
    os.environ["DOCKER_HOST"] = f"tcp://{ip}:{proxy.port}"
    try:
        d = start_driver(pool=1)
    finally:
        del os.environ["DOCKER_HOST"]
    try:
        st = d.call("docker.status")["result"]
        assert st["engine"] == f"tcp://{ip}:{proxy.port}" and st["poolSize"] == 0, st
        ws = workspace()
        r = open_session(d, "s_tcp", "python", ws)["result"]
        assert r["containerId"] in docker_ids() and proxy.connections > 0
        # A remote engine cannot see host paths: /workspace is container-local and the image's cb-runner is used.
        res = d.call("execute", {"session": "s_tcp", "code": "open('/workspace/t.txt','w').write('x'); import os; print(os.getuid())"})["result"]
        assert res["exitCode"] == 0 and res["stdout"] == f"{UID}\n", res
        assert not os.path.exists(os.path.join(ws, "t.txt"))
        d.call("session.close", {"session": "s_tcp"})
        assert wait_until(lambda: r["containerId"] not in docker_ids(), 15)
    finally:
        d.close()
        proxy.close()
    assert wait_until(lambda: not docker_ids(), 15)


def test_staged_code_files_are_removed_after_each_run(driver):
    ws = workspace()
    open_session(driver, "s_tmp", "python", ws)
    for _ in range(3):
        assert driver.call("execute", {"session": "s_tmp", "code": "print(1)"})["result"]["stdout"] == "1\n"
    r = driver.call("shell", {"session": "s_tmp", "command": "sh", "args": ["-c", "ls /tmp /.codebeaker/exec | grep -c cb_exec || true"]})["result"]
    assert r["stdout"].strip() == "0", r


def test_a_full_tmp_does_not_stop_the_next_executions(driver):
    """Staged code lives in its own small tmpfs, so a program that fills /tmp exactly to the last byte does
    not make the following runs fail to stage their code."""
    ws = workspace()
    open_session(driver, "s_full", "python", ws)
    fill = "import os\nwith open('/tmp/fill.bin', 'wb') as f:\n    try:\n        while True: f.write(b'x' * 4096); f.flush()\n    except OSError as e: print('full', e.errno)"
    r = driver.call("execute", {"session": "s_full", "code": fill})["result"]
    assert r["stdout"].startswith("full 28"), r
    df = driver.call("shell", {"session": "s_full", "command": "df", "args": ["--output=avail", "/tmp"]})["result"]["stdout"]
    assert df.split()[-1] == "0", df
    for _ in range(3):
        r = driver.call("execute", {"session": "s_full", "code": "print(1)"})["result"]
        assert r["stdout"] == "1\n", r
    driver.call("session.close", {"session": "s_full"})
    driver.call("session.close", {"session": "s_tmp"})


def test_sigterm_removes_every_container_before_exiting():
    d = start_driver(pool=1)
    ws = workspace()
    for i in range(3):
        open_session(d, f"s_term{i}", "python", ws)
    assert len(docker_ids()) >= 3
    d.p.send_signal(signal.SIGTERM)
    assert d.p.wait(timeout=30) == 0
    # A removal the daemon already had in progress may finish a moment after the driver exits.
    assert wait_until(lambda: not docker_ids(), 10), f"left after SIGTERM: {docker_ids()}"


def test_containers_of_a_host_that_is_gone_are_removed_but_live_hosts_are_left_alone():
    import socket as _socket
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer runs
    host = _socket.gethostname()
    made = []
    for inst in (f"{host}-{dead.pid}", f"{host}-{os.getpid()}"):  # gone / alive but not codebeaker... see below
        made.append(subprocess.run(["docker", "create", "--label", "codebeaker.driver=docker", "--label",
                                    f"codebeaker.instance={inst}", "codebeaker-base", "sleep", "60"],
                                   capture_output=True, text=True, check=True).stdout.strip())
    live = subprocess.run(["docker", "create", "--label", "codebeaker.driver=docker", "--label",
                           "codebeaker.instance=someone-else", "codebeaker-base", "sleep", "60"],
                          capture_output=True, text=True, check=True).stdout.strip()
    try:
        d = start_driver(pool=0)
        try:
            all_ids = lambda: set(subprocess.run(["docker", "ps", "-aq", "--no-trunc"], capture_output=True,
                                                 text=True).stdout.split())
            # The dead host's container goes; so does one whose pid runs something that is not codebeaker (pytest).
            assert wait_until(lambda: not (set(made) & all_ids()), 20), "stale hosts' containers removed"
            assert live in all_ids(), "another host's (custom instance) container is never touched"
        finally:
            d.close()
    finally:
        subprocess.run(["docker", "rm", "-f", live, *made], capture_output=True)
