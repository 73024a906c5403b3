"""What the benches share: a nearest-rank percentile and the timing of a bare process spawn (the baseline every
ratio is taken against, measured in the same run because these machines are noisy)."""
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
