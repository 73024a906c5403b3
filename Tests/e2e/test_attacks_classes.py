"""Attack classes, not cases: every kernel interface that could carry data out of a sandbox, enumerated.

- IPC objects: SysV shared memory, message queues and semaphores, POSIX message queues, /dev/shm files,
  abstract unix sockets, TCP listeners on loopback (v4 and v6) and session keyrings. One session plants one of
  each and holds them; a second session (another principal) and the host look for them. The host plants the
  same set; every sandbox looks for those.
- Socket families: every family number 1..45 with every socket type; whichever opens, the host's listeners must
  stay unreachable, raw and packet sockets must be refused, and the only interface is loopback.
- /proc, /sys and /dev views: no host process, no host listener, no host device, nothing writable.

The server is started as an operator would: with tokens, under its own session keyring (systemd's
KeyringMode=private), so the keyring class is tested where it matters. The probe is one standard-library
Python program (probes/kernel_probe.py) run with `python3` inside every runtime's sandbox."""
import json
import os
import pathlib
import socket
import sys
import threading
import time

import pytest

from attacks_util import record, server_env, shell
from cbclient import Client

HERE = pathlib.Path(__file__).parent
PROBE = (HERE / "probes" / "kernel_probe.py").read_text()
TOKENS = {"alice": "alice-" + os.urandom(12).hex(), "bob": "bob-" + os.urandom(12).hex()}
sys.path.insert(0, str(HERE / "probes"))
import kernel_probe  # noqa: E402  (the same code plants the host's objects)


@pytest.fixture(scope="module")
def srv():
    from conftest import Server
    tokens = ",".join(f"{p}:{t}" for p, t in TOKENS.items())
    s = Server(env=server_env(CODEBEAKER_TOKENS=tokens),
               launcher=[sys.executable, str(HERE / "probes" / "operator_launch.py")])
    s.as_ = lambda who: Client(s.url, headers={"Authorization": f"Bearer {TOKENS[who]}"})
    s.client = lambda **kw: s.as_("alice")
    yield s
    s.stop()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def new_tag():
    return "cbclass" + os.urandom(4).hex()[:7]


def open_session(srv, who, rt):
    c = srv.as_(who)
    sid = c.session_when_ready(timeout=60, **rt.create)
    r = c.execute(sid, {"type": "write_file", "path": "probe.py", "content": PROBE})
    assert r["success"], r
    return c, sid


def run_probe(c, sid, *args, timeout=30):
    r = shell(c, sid, "python3 /workspace/probe.py " + " ".join(str(a) for a in args), timeout=timeout)
    assert "result" in r, r
    res = r["result"]["result"]
    assert r["result"]["success"], f"the probe failed, which proves nothing: {r['result']}"
    return json.loads(res["stdout"].strip().splitlines()[-1])


class HostObjects:
    """One of every IPC object and listener, held by the test process in the host's namespaces."""

    def __init__(self):
        self.tag, self.port = new_tag(), free_port()
        self.made, self.keep = kernel_probe.create_all(self.tag, self.port)

    def close(self):
        for s in self.keep:
            s.close()
        kernel_probe.remove_all(self.tag)


@pytest.fixture(scope="module")
def host_objects():
    h = HostObjects()
    yield h
    h.close()


def test_ipc_objects_of_one_session_are_invisible_to_another_and_to_the_host(srv, rt):
    a, sid_a = open_session(srv, "alice", rt)
    b, sid_b = open_session(srv, "bob", rt)
    tag, port = new_tag(), free_port()
    held = {}

    def hold():
        held["r"] = shell(a, sid_a, f"python3 /workspace/probe.py hold {tag} {port} 8", timeout=30)

    t = threading.Thread(target=hold)
    t.start()
    try:
        watcher = srv.as_("alice")  # a's own connection is busy with the holding execution
        deadline = time.monotonic() + 30
        while watcher.execute(sid_a, {"type": "read_file", "path": ".ready"})["success"] is False:
            assert time.monotonic() < deadline and t.is_alive(), f"the holder never got ready: {held}"
            time.sleep(0.1)
        watcher.close(close_sessions=False)
        from_b = run_probe(b, sid_b, "probe", tag, port)
        from_host = kernel_probe.seen(tag, port)
    finally:
        t.join(60)
    made = json.loads(held["r"]["result"]["result"]["stdout"].strip().splitlines()[0])
    leaks = {k: v for k, v in from_b.items() if v}
    host_leaks = {k: v for k, v in from_host.items() if v}
    assert not leaks, f"session b sees session a's objects: {leaks} (a made: {made})"
    assert not host_leaks, f"the host sees session a's objects: {host_leaks} (a made: {made})"
    # The probe proves something only where the planting worked or was refused for a reason we accept.
    refused = {k: v for k, v in made.items() if v is not None}
    assert set(refused) <= {"session_key", "posix_mq", "tcp6_loopback"}, made
    record("IPC class: one session's SysV/POSIX/abstract/TCP/keyring objects, seen from another", rt.name,
           "contained: none visible" + (f" (refused to plant: {', '.join(sorted(refused))})" if refused else ""))
    a.close()
    b.close()


def test_ipc_objects_of_the_host_are_invisible_to_every_sandbox(srv, rt, host_objects):
    assert all(v is None for v in host_objects.made.values()), host_objects.made
    c, sid = open_session(srv, "alice", rt)
    seen = run_probe(c, sid, "probe", host_objects.tag, host_objects.port)
    leaks = sorted(k for k, v in seen.items() if v)
    assert not leaks, f"the sandbox sees the host's objects: {leaks}"
    record("IPC class: the host's SysV/POSIX/abstract/TCP/keyring objects, seen from a sandbox", rt.name,
           "contained: none visible")
    c.close()


def test_no_socket_family_reaches_the_host(srv, rt, host_objects):
    c, sid = open_session(srv, "alice", rt)
    out = run_probe(c, sid, "families", host_objects.port, host_objects.tag)
    reached = sorted(k for k, v in out["reach"].items() if v)
    assert not reached, out
    assert out["raw"] == {"packet": "EPERM", "raw_inet": "EPERM"}, out["raw"]
    assert out["interfaces"] == ["lo"], out["interfaces"]
    record("socket class: every family 1..45 x type, then the host's listeners", rt.name,
           f"contained: families {','.join(sorted(out['opened'], key=int))} open; none reaches the host; only lo")
    c.close()


def test_proc_sys_and_dev_show_nothing_of_the_host(srv, rt, host_objects):
    c, sid = open_session(srv, "alice", rt)
    v = run_probe(c, sid, "views", host_objects.port, host_objects.tag)
    host_procs = [l for l in v["cmdlines"] if "codebeaker" in l and "--workspace-root" in l or "pytest" in l]
    assert not host_procs, host_procs
    assert host_objects.port not in v["listening"], v["listening"]
    assert not v["host_abstract_seen"]
    assert not v["devices"], f"host devices visible: {v['devices']}"
    writable = sorted(p for p, e in v["writes"].items() if e == "writable")
    assert not writable, f"kernel knobs writable from the sandbox: {writable}"
    readable = sorted(p for p, e in v["reads"].items() if e in ("read", "listed"))
    assert not readable, f"kernel memory or logs readable: {readable}"
    assert v["kallsyms_nonzero"] == 0, "kernel addresses exposed in /proc/kallsyms"
    assert set(v["sys_class_net"]) <= {"lo"}, v["sys_class_net"]
    record("/proc, /sys, /dev views: host processes, listeners, devices, writable knobs", rt.name,
           "contained: only the sandbox's own")
    c.close()
