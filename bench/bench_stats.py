"""What the benches share: a nearest-rank percentile and the timing of a bare process spawn (the baseline every
ratio is taken against, measured in the same run because these machines are noisy), and the memory (PSS) of a process tree."""
import os
import subprocess
import time


def pct(xs, p):
    """The p-th percentile of `xs` (nearest rank, index round(p/100 * (n-1))); None for no samples."""
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else None


def spawn_ms(argv, n):
    """Wall time in ms of `n` runs of `argv` to completion (e.g. `python3 -c pass`)."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(argv, check=True)
        times.append((time.perf_counter() - t) * 1000)
    return times


def process_tree(pid):
    """`pid` and every descendant still alive (via /proc/PID/task/*/children)."""
    seen, todo = [], [pid]
    while todo:
        p = todo.pop()
        seen.append(p)
        try:
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children") as f:
                    todo.extend(int(c) for c in f.read().split())
        except OSError:  # exited meanwhile
            pass
    return seen


def pss_kb(pid):
    """Proportional set size of one process in kB (shared pages divided among their users), 0 if it is gone."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_pss_kb(pid):
    """(sum of PSS in kB over `pid`'s process tree, number of processes)."""
    procs = process_tree(pid)
    return sum(pss_kb(p) for p in procs), len(procs)
