#!/usr/bin/env python3
"""Warm execution throughput over real WebSockets: N sessions (default 8), each on its own WebSocket, each looping
a warm `print(1)` (one request in flight per session) for T seconds, per runtime (python, node, and deno/bun
when their drivers are available). Reports executions/s, latency p50/p99 and p99/p50, and the CPU milliseconds
per execution of the host's whole process tree (host, drivers, sandboxes, runners and their job processes,
from /proc), next to a same-run baseline: raw `python3 -c pass` spawns/s with one spawner per core.

    python3 bench/throughput_bench.py [--sessions 8] [--seconds 10] [--binary .build/release/codebeaker]

Goals (issue 14): >= 1,000 executions/s for python with 8 sessions on a 2-core machine; p99 <= 3x p50.
The client is one process with a selector loop and the minimal WebSocket client of host_bench.py; its own CPU
is printed too, since it shares the cores.
"""
import argparse, json, os, pathlib, resource, selectors, shutil, subprocess, sys, tempfile, threading, time

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_stats import pct  # noqa: E402
from host_bench import handshake, masked_frame, parse_frames  # noqa: E402
from proc_cpu import TICK, role_cpu, wait_quiet  # noqa: E402
import fork_floor  # noqa: E402

ROOT = HERE.parent
RUNTIMES = [("python", {"language": "python"}, "print(1)"),
            # a stateful session runs every execution in one persistent interpreter: no fork per execution
            ("python-stateful", {"language": "python", "stateful": True}, "print(1)"),
            ("node", {"language": "javascript", "runtimeType": "NodeJs"}, "console.log(1)"),
            ("deno", {"language": "javascript", "runtimeType": "Deno"}, "console.log(1)"),
            ("bun", {"language": "javascript", "runtimeType": "Bun"}, "console.log(1)")]


class Conn:
    """One WebSocket with one JSON-RPC request in flight at a time."""

    def __init__(self, port):
        self.sock, rest = handshake(port)
        self.buf = bytearray(rest)
        self.next_id = 1

    def send(self, method, params):
        self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method, "params": params}
        self.sock.sendall(masked_frame(0x1, json.dumps(msg).encode()))
        return self.next_id

    def poll_reply(self, rid):
        """The reply to `rid` if a whole one is buffered (notifications and other ids are dropped), else None."""
        while True:
            n, _, frames = parse_frames(self.buf)
            if not n:
                return None
            del self.buf[:self._frame_len()]
            m = json.loads(frames[0][1])
            if isinstance(m, dict) and m.get("id") == rid:
                return m

    def _frame_len(self):
        """Length of the first (complete) frame in the buffer: server frames are unmasked."""
        b1 = self.buf[1] & 0x7F
        if b1 == 126:
            return 4 + int.from_bytes(self.buf[2:4], "big")
        if b1 == 127:
            return 10 + int.from_bytes(self.buf[2:10], "big")
        return 2 + b1

    def call(self, method, params, timeout=60):
        rid = self.send(method, params)
        self.sock.settimeout(timeout)
        while True:
            m = self.poll_reply(rid)
            if m is not None:
                if "error" in m:
                    raise RuntimeError(f"{method}: {m['error']}")
                return m["result"]
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("server closed the connection")
            self.buf += chunk


def run_load(port, create, code, sessions, seconds, warmup):
    conns, sids = [], []
    for _ in range(sessions):
        c = Conn(port)
        sid = c.call("session.create", create)["sessionId"]
        for _ in range(warmup):
            r = c.call("session.execute", {"sessionId": sid, "command": {"type": "execute_code", "code": code}})
            assert (r.get("result") or {}).get("stdout") == "1\n", r
        conns.append(c)
        sids.append(sid)
    sel = selectors.DefaultSelector()
    cmd = [json.dumps({"sessionId": s, "command": {"type": "execute_code", "code": code}}) for s in sids]
    lat, errors = [], 0
    inflight = {}

    def fire(i):
        c = conns[i]
        c.next_id += 1
        frame = ('{"jsonrpc":"2.0","id":%d,"method":"session.execute","params":%s}' % (c.next_id, cmd[i])).encode()
        inflight[i] = (c.next_id, time.perf_counter())
        c.sock.sendall(masked_frame(0x1, frame))

    for i, c in enumerate(conns):
        c.sock.setblocking(False)
        sel.register(c.sock, selectors.EVENT_READ, i)
    rus0 = resource.getrusage(resource.RUSAGE_SELF)
    roles0 = role_cpu(SERVER_PID[0])
    start = time.perf_counter()
    end = start + seconds
    for i in range(len(conns)):
        fire(i)
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        for key, _ in sel.select(timeout=end - now):
            i = key.data
            c = conns[i]
            try:
                chunk = c.sock.recv(65536)
            except BlockingIOError:
                continue
            if not chunk:
                raise RuntimeError("server closed a connection")
            c.buf += chunk
            rid, t0 = inflight[i]
            m = c.poll_reply(rid)
            if m is None:
                continue
            t1 = time.perf_counter()
            ok = "result" in m and m["result"].get("success") and m["result"]["result"]["stdout"] == "1\n"
            if ok:
                lat.append((t1 - t0) * 1000)
            else:
                errors += 1
                if errors <= 3:
                    print("  unexpected reply: %s" % json.dumps(m)[:300])
            if t1 < end:
                fire(i)
    elapsed = time.perf_counter() - start
    roles1 = role_cpu(SERVER_PID[0])
    by_role = {k: (roles1.get(k, 0) - roles0.get(k, 0)) / TICK for k in set(roles0) | set(roles1) if k != "faults"}
    faults = roles1.get("faults", 0) - roles0.get("faults", 0)
    cpu = sum(by_role.values())
    rus1 = resource.getrusage(resource.RUSAGE_SELF)
    client_cpu = (rus1.ru_utime + rus1.ru_stime) - (rus0.ru_utime + rus0.ru_stime)
    for c, sid in zip(conns, sids):
        c.sock.setblocking(True)
        c.buf.clear()
        try:
            c.call("session.close", {"sessionId": sid}, timeout=30)
        except (RuntimeError, OSError):
            pass
        c.sock.close()
    n = len(lat)
    return {"executions_per_s": n / elapsed, "executions": n, "errors": errors, "p50_ms": pct(lat, 50),
            "p99_ms": pct(lat, 99), "max_ms": max(lat) if lat else None,
            "server_cpu_ms_per_exec": cpu * 1000 / max(1, n),
            "page_faults_per_exec": faults / max(1, n),
            "cpu_ms_per_exec_by_role": {k: round(v * 1000 / max(1, n), 3) for k, v in sorted(by_role.items())}, "client_cpu_ms_per_exec": client_cpu * 1000 / max(1, n)}


def spawn_baseline(seconds, workers):
    """Raw `python3 -c pass` spawns per second with `workers` spawners in parallel."""
    stop = time.perf_counter() + seconds
    counts = [0] * workers

    def work(k):
        while time.perf_counter() < stop:
            subprocess.run(["/usr/bin/python3", "-c", "pass"], check=True)
            counts[k] += 1

    ts = [threading.Thread(target=work, args=(k,)) for k in range(workers)]
    t0 = time.perf_counter()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return sum(counts) / (time.perf_counter() - t0)


SERVER_PID = [0]


def start_server(binary, config):
    tmp = tempfile.mkdtemp(prefix="cb-tput-")
    os.chmod(tmp, 0o755)  # the sandboxes (other uids) reach their workspaces through it
    p = subprocess.Popen([binary, "--port", "0", "--workspace-root", tmp, "--drivers-dir", str(pathlib.Path(binary).parent),
                          "--no-default-drivers", "--log-level", "warning", "--config", config],
                         stdout=subprocess.PIPE, stderr=open(os.environ.get("CB_BENCH_LOG", os.devnull), "w"), text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stdout.readline()
        if "listening on ws://" in line:
            threading.Thread(target=p.stdout.read, daemon=True).start()
            return p, int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1]), tmp
        if not line and p.poll() is not None:
            break
    p.kill()
    sys.exit("codebeaker did not start")


def available(port, create, timeout=30):
    c = Conn(port)
    deadline = time.time() + timeout
    try:
        while True:
            langs = c.call("language.list", {})
            langs = langs.get("languages", langs) if isinstance(langs, dict) else langs
            for lang in langs:
                if lang.get("language", lang.get("name")) != create["language"]:
                    continue
                rts = [r for r in lang.get("runtimes", [])
                       if "runtimeType" not in create or r.get("runtimeType") == create["runtimeType"]]
                if any(r.get("available", True) and r.get("ready", True) for r in rts):
                    return True
            if time.time() > deadline:
                return False
            time.sleep(0.3)
    finally:
        c.sock.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(ROOT / ".build" / "release" / "codebeaker"))
    ap.add_argument("--config", default=str(HERE / "configs" / "bench.json"))
    ap.add_argument("--sessions", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--warmup", type=int, default=20, help="executions per session before timing")
    ap.add_argument("--runtimes", default="python,python-stateful,node,deno,bun")
    ap.add_argument("--json", action="store_true", help="also print the results as JSON")
    a = ap.parse_args()
    print("load average before: %s; %d cores" % (" ".join(open("/proc/loadavg").read().split()[:3]), os.cpu_count()))
    base = spawn_baseline(min(a.seconds, 5), os.cpu_count() or 1)
    print("baseline: raw `python3 -c pass` %.0f spawns/s (%d spawners in parallel)" % (base, os.cpu_count() or 1))
    floor = fork_floor.rate(min(a.seconds, 3))
    print("baseline: fork floor %.0f print(1) jobs/s (a warmed python3 forking a job per execution, one per core,"
          " nothing else: the most any fresh-process design reaches here; bench/fork_floor.py)" % floor)
    server, port, workspace_root = start_server(a.binary, a.config)
    SERVER_PID[0] = server.pid
    waited = wait_quiet(server.pid)
    print("host quiet after %s" % ("%.0f s" % waited if waited is not None else "NEVER (figures include its start-up work)"))
    results = {"baseline_spawns_per_s": base, "fork_floor_per_s": floor, "host_quiet_after_s": waited}
    try:
        for name, create, code in RUNTIMES:
            if name not in a.runtimes.split(","):
                continue
            if not available(port, create):
                print("%-15s skipped: not available on this host (language.list)" % name)
                continue
            r = run_load(port, create, code, a.sessions, a.seconds, a.warmup)
            results[name] = r
            print("%-15s %d sessions: %6.0f exec/s (x%.2f baseline spawns/s)  p50 %5.2f ms  p99 %6.2f ms  p99/p50 %.2f"
                  "  max %6.1f ms  server CPU %.2f ms/exec  client CPU %.2f ms/exec  errors %d"
                  % (name, a.sessions, r["executions_per_s"], r["executions_per_s"] / base, r["p50_ms"], r["p99_ms"],
                     r["p99_ms"] / r["p50_ms"], r["max_ms"], r["server_cpu_ms_per_exec"], r["client_cpu_ms_per_exec"],
                     r["errors"]))
            if name == "python":
                print("                %.2fx the fork floor" % (r["executions_per_s"] / floor))
            goal = r["executions_per_s"] >= 1000 and r["p99_ms"] <= 3 * r["p50_ms"]
            print("                CPU ms/exec by role: %s; page faults/exec %.0f; goal (>= 1,000 exec/s, p99 <= 3x p50) %s"
                  % (", ".join("%s %.2f" % kv for kv in r["cpu_ms_per_exec_by_role"].items()), r["page_faults_per_exec"],
                     "met" if goal else "not met"))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(workspace_root, ignore_errors=True)
    if a.json:
        print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
