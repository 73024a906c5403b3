#!/usr/bin/env python3
"""The floor under fresh-process execution on this machine: a warmed python3 that forks one child per job, the
child runs `print(1)` (compiled and executed as a job would be) and exits, the parent waits. With one such
forker per core, the summed jobs/s is the most any fork-per-execution design reaches here with nothing else
running: no sandbox, no driver, no host, no protocol. The benches print it beside the plain-Python throughput.

    python3 bench/fork_floor.py [--seconds 3] [--procs N]
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_stats import PYTHON  # noqa: E402


def loop(seconds):
    """Forks print(1) jobs back to back for `seconds`; prints the count per second."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    n, end = 0, time.perf_counter() + seconds
    t0 = time.perf_counter()
    while time.perf_counter() < end:
        pid = os.fork()
        if pid == 0:
            os.dup2(devnull, 1)
            exec(compile("print(1)", "<string>", "exec"), {"__name__": "__main__"})
            sys.stdout.flush()
            os._exit(0)
        os.waitpid(pid, 0)
        n += 1
    print(n / (time.perf_counter() - t0))


def rate(seconds=3.0, procs=None):
    """Summed jobs/s of `procs` forkers (default: one per core) running at once."""
    procs = procs or os.cpu_count() or 1
    ps = [subprocess.Popen([PYTHON, __file__, "--loop", str(seconds)], stdout=subprocess.PIPE, text=True)
          for _ in range(procs)]
    return sum(float(p.communicate()[0]) for p in ps)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--procs", type=int)
    ap.add_argument("--loop", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.loop:
        loop(a.loop)
    else:
        print("fork floor: %.0f print(1) jobs/s (%d forkers)" % (rate(a.seconds, a.procs), a.procs or os.cpu_count()))
