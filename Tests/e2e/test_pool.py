"""The pool of pre-started sandboxes (issue 14), end to end: real host, real drivers, real sandboxes.

A pooled sandbox serves one session and is never reused; options it cannot serve get a cold sandbox that
really has them; the pool refills; a burst beyond it degrades to cold starts; shutdown leaves nothing."""
import concurrent.futures
import json
import os
import re
import signal

import pytest

from conftest import Server, wait_until

POOL_CONFIG = {
    "sessionPool": {"size": 0, "drivers": {"python": 2, "node": 1}},
    "security": {"maxSessionsPerPrincipal": 200, "enableRateLimiting": False},
}


def start_pool_server(tmp_path, extra_env=None, **config):
    path = tmp_path / "pool.json"
    path.write_text(json.dumps({**POOL_CONFIG, **config}))
    return Server("--config", str(path), env=extra_env or {})


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = start_pool_server(tmp_path_factory.mktemp("pool"), {"CODEBEAKER_NETWORK_PRINCIPALS": "anonymous"})
    yield s
    s.stop()


def metrics(server):
    _, body = server.http("/metrics")
    out = {}
    for line in body.decode().splitlines():
        if line.startswith("codebeaker_session_pool"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def ready(server, driver="python"):
    return metrics(server).get(f'codebeaker_session_pool_ready{{driver="{driver}"}}', 0)


def wait_full(server, driver="python", n=2):
    wait_until(lambda: ready(server, driver) >= n, timeout=90, what=f"{n} pooled {driver} sandboxes")


def run(c, sid, code, **cmd):
    return c.execute(sid, {"type": "execute_code", "code": code, **cmd})["result"]


def create(c, **params):
    params.setdefault("language", "python")
    r = c.call("session.create", params)
    c.sessions.append(r["sessionId"])
    return r


PROBE = """
import os, json
procs = sorted(open(f'/proc/{p}/cmdline').read().replace('\\0', ' ').strip()
               for p in os.listdir('/proc') if p.isdigit() and os.path.exists(f'/proc/{p}/cmdline'))
print(json.dumps({"uid": os.getuid(), "files": sorted(os.listdir('/workspace')), "tmp": sorted(os.listdir('/tmp')),
                  "env": os.environ.get("PLANTED"), "procs": procs}))
"""

PLANT = """
import os, subprocess
open('/workspace/planted.txt', 'w').write('A')
open('/tmp/planted-tmp', 'w').write('A')
os.environ['PLANTED'] = 'A'
subprocess.Popen(['sleep', '300'], start_new_session=True)
print('planted')
"""


def test_a_pooled_sandbox_is_never_reused_across_sessions(srv):
    with srv.client() as c:
        wait_full(srv)
        a = create(c)
        assert a["sandboxStart"] == "pooled", a
        assert run(c, a["sessionId"], PLANT)["stdout"] == "planted\n"
        seen_a = json.loads(run(c, a["sessionId"], PROBE)["stdout"])
        assert "planted.txt" in seen_a["files"]
        # B while A is still open, and C after A closed: both from the pool, neither sees anything of A.
        wait_full(srv)
        b = create(c)
        c.call("session.close", {"sessionId": a["sessionId"]})
        wait_full(srv)
        d = create(c)
        ids = {a["sessionId"], b["sessionId"], d["sessionId"]}
        assert len(ids) == 3
        for s in (b, d):
            assert s["sandboxStart"] == "pooled", s
            seen = json.loads(run(c, s["sessionId"], PROBE)["stdout"])
            assert seen["files"] == [] and "planted-tmp" not in seen["tmp"] and seen["env"] is None, seen
            assert not any(p.startswith("sleep 300") for p in seen["procs"]), seen
            assert seen["uid"] != seen_a["uid"], (seen, seen_a)
        # Each session has its own workspace on the host; A's went with it.
        root = srv.workspace_root
        assert not os.path.exists(os.path.join(root, a["sessionId"]))
        assert os.path.isdir(os.path.join(root, b["sessionId"])) and os.path.isdir(os.path.join(root, d["sessionId"]))


def interfaces(c, sid):
    out = run(c, sid, "print(' '.join(l.split(':')[0].strip() for l in open('/proc/net/dev').readlines()[2:]))")
    return set(out["stdout"].split())


def memory_limit_bytes(sid):
    for base in ("/sys/fs/cgroup/memory/codebeaker", "/sys/fs/cgroup/codebeaker"):
        if not os.path.isdir(base):
            continue
        for name in os.listdir(base):
            if name.endswith("-" + sid):
                for f in ("memory.limit_in_bytes", "memory.max"):
                    p = os.path.join(base, name, f)
                    if os.path.exists(p):
                        return int(open(p).read().strip())
    return None


def test_options_that_need_a_fresh_sandbox_get_a_cold_one_that_has_them(srv):
    with srv.client() as c:
        wait_full(srv)
        pooled = create(c)
        assert pooled["sandboxStart"] == "pooled"
        assert interfaces(c, pooled["sessionId"]) == {"lo"}

        net = create(c, network=True)
        assert net["sandboxStart"] == "cold" and net["config"]["network"] is True, net
        assert interfaces(c, net["sessionId"]) - {"lo"}, "a network session has an interface besides lo"

        small = create(c, memoryLimitMB=128)
        assert small["sandboxStart"] == "cold" and small["config"]["memoryLimitMB"] == 128
        limit = memory_limit_bytes(small["sessionId"])
        if limit is None:
            pytest.skip("no session cgroup on this host: memory limits are not applied by cgroups here")
        assert limit == 128 << 20, limit
        assert memory_limit_bytes(pooled["sessionId"]) == pooled["config"]["memoryLimitMB"] << 20

        st = create(c, stateful=True)
        assert st["sandboxStart"] == "cold"
        run(c, st["sessionId"], "x = 41")
        assert run(c, st["sessionId"], "print(x + 1)")["stdout"] == "42\n"

        r = c.call("execution.run", {"language": "python", "code": "print(1)", "memoryLimitMB": 128})
        assert r["sandboxStart"] == "cold" and r["stdout"] == "1\n", r
        wait_full(srv)
        r = c.call("execution.run", {"language": "python", "code": "print(2)"})
        assert r["sandboxStart"] == "pooled" and r["stdout"] == "2\n", r


def test_the_pool_refills_and_metrics_count_hits_and_misses(srv):
    with srv.client() as c:
        wait_full(srv)
        wait_full(srv, "node", 1)
        before = metrics(srv)
        s1, s2 = create(c), create(c)
        js = create(c, language="javascript", runtimeType="NodeJs")
        assert [s1["sandboxStart"], s2["sandboxStart"], js["sandboxStart"]] == ["pooled"] * 3
        assert run(c, js["sessionId"], "console.log(6 * 7)")["stdout"] == "42\n"
        cold = create(c, network=True)
        assert cold["sandboxStart"] == "cold"
        wait_full(srv)
        wait_full(srv, "node", 1)
        after = metrics(srv)
        hits = 'codebeaker_session_pool_hits_total{driver="python"}'
        assert after[hits] - before.get(hits, 0) == 2
        miss = 'codebeaker_session_pool_misses_total{driver="python",reason="options"}'
        assert after[miss] - before.get(miss, 0) == 1
        assert after['codebeaker_session_pool_ready{driver="python"}'] == 2  # never more than configured


def test_a_burst_of_creates_beyond_the_pool_degrades_to_cold_starts(srv):
    wait_full(srv)
    n = 40

    def one(i):
        with srv.client() as c:
            s = create(c)
            out = run(c, s["sessionId"], f"print({i})")
            c.call("session.close", {"sessionId": s["sessionId"]})
            return s["sandboxStart"], out["stdout"]

    with concurrent.futures.ThreadPoolExecutor(n) as ex:
        results = list(ex.map(one, range(n)))
    assert [r[1] for r in results] == [f"{i}\n" for i in range(n)]
    starts = [r[0] for r in results]
    assert set(starts) <= {"pooled", "cold"} and starts.count("cold") >= 1, starts
    wait_full(srv)  # and the pool comes back


def session_dirs(root):
    return {n for n in os.listdir(root) if n.startswith("s_")}


def leftovers(ids):
    """Cgroups and processes of these sessions still on the host."""
    cgroups = []
    for base in ("/sys/fs/cgroup/memory/codebeaker", "/sys/fs/cgroup/pids/codebeaker", "/sys/fs/cgroup/codebeaker"):
        if os.path.isdir(base):
            cgroups += [n for n in os.listdir(base) if any(n.endswith("-" + i) for i in ids)]
    procs = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            cg = open(f"/proc/{p}/cgroup").read()
        except OSError:
            continue
        if any(i in cg for i in ids):
            procs.append(p)
    return cgroups, procs


def test_shutdown_removes_every_pooled_sandbox(tmp_path):
    s = start_pool_server(tmp_path)
    try:
        wait_full(s)
        wait_full(s, "node", 1)
        with s.client() as c:
            used = create(c)
            wait_full(s)
            ids = session_dirs(s.workspace_root)
            assert used["sessionId"] in ids and len(ids) >= 4, ids  # 2 python + 1 node pooled, 1 in use
            cgroups, procs = leftovers(ids)
            if not cgroups:
                pytest.skip("no session cgroups on this host")
            assert procs
            c.close(close_sessions=False)
        s.proc.send_signal(signal.SIGTERM)
        assert s.proc.wait(timeout=60) == 0
        assert session_dirs(s.workspace_root) == set()
        assert leftovers(ids) == ([], [])
    finally:
        s.stop()


def test_without_a_pool_every_start_is_cold(start_server):
    s = start_server()  # CODEBEAKER_POOL_SIZE=0 from conftest
    with s.client() as c:
        r = create(c)
        assert r["sandboxStart"] == "cold"
        assert not re.search(r'codebeaker_session_pool_ready\{driver="python"\} [1-9]', s.http("/metrics")[1].decode())


def driver_pid(server, name):
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{p}/stat").read()
            cmd = open(f"/proc/{p}/cmdline").read().split("\0")[0]
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == server.proc.pid and cmd.endswith("codebeaker-driver-" + name):
            return int(p)
    return None


def runner_pids(session_id):
    """The python runner's processes (supervisor, zygote, spares) in a session's sandbox, found by cgroup."""
    out = []
    for p in filter(str.isdigit, os.listdir("/proc")):
        try:
            cg, cmd = open(f"/proc/{p}/cgroup").read(), open(f"/proc/{p}/cmdline").read()
        except OSError:
            continue
        if session_id in cg and "runner.py" in cmd:
            out.append(int(p))
    return out


def test_a_pooled_sandbox_whose_runner_died_is_discarded_never_handed_out(tmp_path):
    s = start_pool_server(tmp_path)
    try:
        wait_full(s)
        pooled = session_dirs(s.workspace_root)
        victims = [i for i in sorted(pooled) if runner_pids(i)]
        if not victims:
            pytest.skip("no session cgroups on this host: the runner cannot be found by its session")
        victim = victims[0]
        for p in runner_pids(victim):
            os.kill(p, signal.SIGKILL)
        key = 'codebeaker_session_pool_discards_total{reason="runnerDied"}'
        wait_until(lambda: metrics(s).get(key, 0) >= 1, timeout=60, what="the pooled sandbox discarded")
        wait_until(lambda: victim not in session_dirs(s.workspace_root), timeout=60, what="its workspace removed")
        wait_full(s)
        with s.client() as c:
            for _ in range(3):
                r = create(c)
                assert r["sessionId"] != victim
                assert run(c, r["sessionId"], "print(7)")["stdout"] == "7\n"
    finally:
        s.stop()


def test_pooled_sandboxes_of_a_crashed_driver_are_discarded_never_handed_out(tmp_path):
    s = start_pool_server(tmp_path)
    try:
        wait_full(s)
        wait_full(s, "node", 1)
        pooled = session_dirs(s.workspace_root)
        assert len(pooled) == 3, pooled
        pid = driver_pid(s, "python")
        assert pid, "the python driver process"
        os.kill(pid, signal.SIGKILL)
        key = 'codebeaker_session_pool_discards_total{reason="driverRestarted"}'
        wait_until(lambda: metrics(s).get(key, 0) >= 2, timeout=60, what="the crashed driver's pooled sandboxes discarded")
        wait_full(s)
        with s.client() as c:
            r = create(c)
            assert r["sandboxStart"] == "pooled" and r["sessionId"] not in pooled
            assert run(c, r["sessionId"], "print(5)")["stdout"] == "5\n"
        # The python ones went with their driver; node's is still there.
        left = session_dirs(s.workspace_root) & pooled
        assert len(left) == 1, left
    finally:
        s.stop()
