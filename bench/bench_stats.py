"""What the benches share: a nearest-rank percentile and the timing of a bare process spawn (the baseline every
ratio is taken against, measured in the same run because these machines are noisy), and the memory (PSS) of a process tree."""
import os
import subprocess
import time


# The interpreter the python sandboxes run (Debian's), for the baselines: a `python3` earlier on PATH (a version
# manager's shim, another build) would measure something else.
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else "python3"


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


def descendants(pid):
    """Every live descendant of `pid` (from the parent ids in /proc/*/stat)."""
    children = {}
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(p))
            except (OSError, IndexError, ValueError):
                pass
    out, todo = [], [pid]
    while todo:
        for c in children.get(todo.pop(), []):
            out.append(c)
            todo.append(c)
    return out


def proc_kb(path, key):
    """The kB figure of the line starting with `key` in a /proc file (`Pss:`, `VmRSS:` ...), 0 if it is gone."""
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid):
    """Proportional set size of one process in kB (shared pages divided among their users)."""
    return proc_kb(f"/proc/{pid}/smaps_rollup", "Pss:")


def tree_pss_kb(pid):
    """(sum of PSS in kB over `pid` and its descendants, number of those processes)."""
    procs = [pid] + descendants(pid)
    return sum(pss_kb(p) for p in procs), len(procs)
