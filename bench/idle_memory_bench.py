#!/usr/bin/env python3
"""Idle session memory: PSS of the host's whole process tree with N idle sessions, and whether every one of
them still runs code afterwards.

Starts the release host (bench/configs/idle_memory.json lifts the session limits), measures the tree's PSS
(the sum of /proc/PID/smaps_rollup Pss over the host and all its descendants), creates N sessions, waits for
the tree to settle, and reports (tree PSS - PSS before the sessions) / N, then runs print(1) (or
console.log(1)) in every session. The same-run baseline is one bare interpreter process that sleeps.

KSM merges nothing while /sys/kernel/mm/ksm/run is 0 (an operator's setting): `--enable-ksm` sets it to 1
for the run (and pages_to_scan higher, so 500 sessions are scanned in seconds, not minutes) and restores
both values afterwards. `--memory-merge off|on|max` is passed to the host (docs/configuration.md).

Usage: bench/idle_memory_bench.py [-n 500] [--language python|javascript] [--memory-merge max --enable-ksm]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "Tests", "e2e"))
from cbclient import Client  # noqa: E402

KSM = "/sys/kernel/mm/ksm/"
CODE = {"python": "print(1)", "javascript": "console.log(1)"}
BASELINE = {
    "python": ["/usr/bin/python3", "-c", "import time; time.sleep(600)"],
    "javascript": ["/usr/bin/node", "-e", "setTimeout(() => {}, 600000)"],
}


def pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass  # exited between the listing and the read
    return 0


def tree(pid):
    """pid and all its descendants (through every thread's children list)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            for t in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{t}/children") as f:
                    todo += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return out


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return "?"


def tree_pss(pid):
    """(total kB, {command name: (processes, kB)})."""
    by = {}
    for p in tree(pid):
        n, kb = by.get(comm(p), (0, 0))
        by[comm(p)] = (n + 1, kb + pss_kb(p))
    return sum(kb for _, kb in by.values()), by


def baseline_kb(argv):
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL)
    try:
        time.sleep(2)  # a measurement point, not a wait for a condition: the process only sleeps
        return pss_kb(p.pid)
    finally:
        p.kill()
        p.wait()


def settle(pid, ksm, timeout):
    """Samples the tree every 2 s until two samples in a row differ by under 0.5% (with KSM: and ksmd has
    finished two full scans since the last session was made). Returns the last sample."""
    scans = read(KSM + "full_scans") if ksm else None
    last, deadline = None, time.monotonic() + timeout
    while True:
        time.sleep(2)
        total, by = tree_pss(pid)
        scanned = not ksm or int(read(KSM + "full_scans")) >= int(scans) + 2
        if last is not None and scanned and abs(total - last) < 0.005 * total:
            return total, by, True
        if time.monotonic() > deadline:
            return total, by, False
        last = total


def ksmd_cpu_seconds():
    """CPU time ksmd (a kernel thread) has used so far, or None if it is not found."""
    for p in os.listdir("/proc"):
        if p.isdigit() and comm(p) == "ksmd":
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return None


def read(path):
    with open(path) as f:
        return f.read().strip()


def write(path, value):
    with open(path, "w") as f:
        f.write(value)


def start_server(args):
    binary = os.path.join(args.build_dir or os.path.join(ROOT, ".build", args.build), "codebeaker")
    root = tempfile.mkdtemp(prefix="cb-bench-")
    os.chmod(root, 0o711)
    cmd = [binary, "--port", "0", "--log-level", "warning", "--workspace-root", root,
           "--workspace-quota-mb", "0", "--config", os.path.join(ROOT, "bench", "configs", "idle_memory.json"),
           "--memory-merge", args.memory_merge]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    port = int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
    return proc, f"ws://127.0.0.1:{port}/ws/jsonrpc"


def run(args):
    base = baseline_kb(BASELINE[args.language])
    server, url = start_server(args)
    clients = []
    try:
        c = Client(url)
        c.session_when_ready(args.language, timeout=60)  # drivers up, first runner started
        c.call("session.close", {"sessionId": c.sessions.pop()})
        deadline = time.monotonic() + 30  # the closed session's sandbox goes before the empty-tree sample
        while "bwrap" in tree_pss(server.pid)[1] and time.monotonic() < deadline:
            time.sleep(0.2)
        empty, empty_by = tree_pss(server.pid)
        ksmd0 = ksmd_cpu_seconds()
        t0 = time.monotonic()
        # Spread over connections (50 sessions each), as many clients would.
        sids = []
        for i in range(args.n):
            if i % 50 == 0:
                clients.append(Client(url))
            sids.append((clients[-1], clients[-1].session(args.language)))
        created = time.monotonic() - t0
        early, _, _ = settle(server.pid, False, args.settle_timeout)
        early_age = time.monotonic() - t0
        # The python runner lets its spares go after 30 s without a job: measure the idle state after that.
        time.sleep(max(0.0, t0 + created + args.idle_wait - time.monotonic()))
        total, by, settled = settle(server.pid, args.enable_ksm, args.settle_timeout)
        per = (total - empty) / args.n
        ksmd = ksmd_cpu_seconds()
        ksmd_used = ksmd - ksmd0 if ksmd is not None and ksmd0 is not None else None
        span = time.monotonic() - t0
        t0 = time.monotonic()
        ok = 0
        for cl, sid in sids:
            try:
                r = cl.execute(sid, {"type": "execute_code", "code": CODE[args.language]})
                ok += r.get("success") and r["result"]["stdout"] == "1\n"
            except Exception as e:  # counted as a failure, and the first few shown
                if ok < 3:
                    print("execute failed:", e)
        ran = time.monotonic() - t0
        print(f"language {args.language}, memoryMerge {args.memory_merge}, KSM {'on' if args.enable_ksm else 'off'}"
              f", {args.n} sessions (created in {created:.1f} s{'' if settled else ', NOT settled'})")
        print(f"  baseline: one bare {BASELINE[args.language][0]} process  {base / 1024:8.2f} MB PSS")
        print(f"  host tree before sessions              {empty / 1024:8.1f} MB PSS ("
              + ", ".join(f"{k} {n}: {kb / 1024:.1f} MB" for k, (n, kb) in sorted(empty_by.items())) + ")")
        print(f"  host tree with {args.n} idle sessions    {total / 1024:8.1f} MB PSS "
              f"({total / 1024 / 1024:.2f} GiB)")
        print(f"  per session, {early_age:4.0f} s after the first create  {(early - empty) / args.n / 1024:8.2f} MB PSS")
        print(f"  per idle session                       {per / 1024:8.2f} MB PSS ({per / base:.2f}x the bare process)")
        for name, (n, kb) in sorted(by.items(), key=lambda x: -x[1][1]):
            print(f"    {name:<24} {n:5d} processes {kb / 1024:9.1f} MB")
        if args.enable_ksm:
            cpu = f", ksmd CPU {ksmd_used:.1f} s over {span:.0f} s" if ksmd_used is not None else ""
            print(f"  KSM pages_sharing {read(KSM + 'pages_sharing')}, pages_shared {read(KSM + 'pages_shared')}{cpu}")
        print(f"  {CODE[args.language]} afterwards: {ok}/{args.n} succeeded ({ran:.1f} s)")
        return ok == args.n
    finally:
        for cl in clients + [c]:
            cl.close()
        server.terminate()
        server.wait(timeout=60)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", type=int, default=500)
    ap.add_argument("--language", default="python", choices=sorted(CODE))
    ap.add_argument("--build", default="release")
    ap.add_argument("--build-dir", help="directory holding the codebeaker binary and its drivers")
    ap.add_argument("--memory-merge", default="off", choices=["off", "on", "max"])
    ap.add_argument("--enable-ksm", action="store_true",
                    help="set /sys/kernel/mm/ksm/run to 1 for the run (restored afterwards)")
    ap.add_argument("--ksm-pages-to-scan", default="5000")
    ap.add_argument("--settle-timeout", type=float, default=180)
    ap.add_argument("--idle-wait", type=float, default=40,
                    help="seconds after the last create before the idle measurement (the runner trims at 30)")
    args = ap.parse_args()
    saved = None
    if args.enable_ksm:
        saved = {k: read(KSM + k) for k in ("run", "pages_to_scan")}
        write(KSM + "pages_to_scan", args.ksm_pages_to_scan)
        write(KSM + "run", "1")
    try:
        ok = run(args)
    finally:
        if saved:
            if saved["run"] != "1":
                write(KSM + "run", "2")  # unmerge what this run merged, then restore the operator's values
            for k, v in saved.items():
                write(KSM + k, v)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
