"""CPU time and page faults of a process tree from /proc, split by role (host, driver, sandbox, runner, zygote,
jobs), for the benches that report CPU per execution."""
import os
import time

TICK = os.sysconf("SC_CLK_TCK")


def proc_table():
    """pid -> (ppid, comm, own CPU ticks, reaped children's CPU ticks, own minor faults, reaped children's)."""
    table = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                head, rest = f.read().rsplit(")", 1)
        except OSError:
            continue
        rest = rest.split()
        table[int(d)] = (int(rest[1]), head.split("(", 1)[1], int(rest[11]) + int(rest[12]), int(rest[13]) + int(rest[14]),
                         int(rest[7]), int(rest[8]))
    return table


def role_cpu(root):
    """CPU ticks of `root`'s process tree by role: host, driver, sandbox (bwrap), runner (its first process
    in the sandbox), zygote (the runner's children: python's zygote, node's job processes) and jobs (their
    children: python's spares and jobs); reaped processes count through their parents' c-times. The key
    "faults" holds the tree's minor page faults."""
    table = proc_table()
    children = {}
    for pid, row in table.items():
        children.setdefault(row[0], []).append(pid)
    roles = {}

    def add(role, ticks):
        roles[role] = roles.get(role, 0) + ticks

    def walk(pid, role):
        _, comm, own, reaped, faults, reaped_faults = table[pid]
        add(role, own)
        add("faults", faults + reaped_faults)
        kids = children.get(pid, [])
        for k in kids:
            kcomm = table[k][1]
            if role == "host":
                walk(k, "driver")
            elif role == "driver":
                walk(k, "sandbox" if kcomm == "bwrap" else "driver-child")
            elif role == "sandbox":
                walk(k, "sandbox" if kcomm == "bwrap" else "runner")
            elif role == "runner":
                walk(k, "zygote")
            else:
                walk(k, "jobs")
        # reaped descendants count where the reaper sits (python: jobs are the zygote's children)
        add({"host": "driver", "driver": "sandbox", "sandbox": "runner", "runner": "zygote"}.get(role, "jobs"), reaped)

    if root in table:
        walk(root, "host")
    return roles


def tree_cpu_seconds(root):
    """utime+stime+cutime+cstime summed over `root` and its live descendants (reaped children count in their
    parent's c-times, so job processes that came and went are included)."""
    return sum(v for k, v in role_cpu(root).items() if k != "faults") / TICK


def wait_quiet(root, cores=0.05, window=1.0, timeout=120.0):
    """Waits until `root`'s tree uses under `cores` of CPU over a `window` of seconds: the host's start-up work
    (version probes of every runtime, pool fills) would otherwise fall on the first figures. Returns the
    seconds waited, or None if the tree never went quiet within `timeout`."""
    t0 = time.monotonic()
    last = tree_cpu_seconds(root)
    while time.monotonic() - t0 < timeout:
        time.sleep(window)  # the measurement window itself
        now = tree_cpu_seconds(root)
        if now - last < cores * window:
            return time.monotonic() - t0
        last = now
    return None
