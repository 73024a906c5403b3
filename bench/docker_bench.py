#!/usr/bin/env python3
"""Docker driver speed, as ratios to raw Docker measured in the same run.

  session.create from the warm pool  vs  `docker run --rm codebeaker-python true`
  warm execute_code (print)          vs  `docker exec <c> python3 -c 'print(1)'`

Usage: bench/docker_bench.py [--driver PATH] [-n N]
Prints a table and one JSON line (for CI logs / the closing note).
"""
import argparse, json, os, subprocess, sys, tempfile, time, uuid

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from driver_client import Driver  # noqa: E402
from bench_stats import pct  # noqa: E402



def timed(fn):
    t = time.perf_counter()
    fn()
    return (time.perf_counter() - t) * 1000


def main():
    ap = argparse.ArgumentParser()
    default = next((p for p in (os.path.join(ROOT, ".build", c, "codebeaker-driver-docker") for c in ("release", "debug"))
                    if os.path.exists(p)), None)
    ap.add_argument("--driver", default=os.environ.get("CODEBEAKER_DRIVER_DOCKER", default))
    ap.add_argument("-n", type=int, default=30)
    args = ap.parse_args()
    if not args.driver:
        sys.exit("build the driver first: swift build -c release --product codebeaker-driver-docker")

    instance = f"bench-{uuid.uuid4().hex[:6]}"
    os.environ.update({"CODEBEAKER_DOCKER_INSTANCE": instance, "CODEBEAKER_DOCKER_POOL": "2",
                       "CODEBEAKER_DOCKER_POOL_IMAGES": "codebeaker-python"})
    d = Driver(args.driver)
    hs = d.handshake()["result"]
    if not hs["capabilities"]["available"]:
        sys.exit(f"docker driver unavailable: {hs['capabilities'].get('unavailableReason')}")

    def pool_ready():
        return d.call("docker.status")["result"]["poolReady"].get("codebeaker-python", 0)

    def wait_pool(n=2, timeout=60):
        deadline = time.monotonic() + timeout
        while pool_ready() < n:
            if time.monotonic() > deadline:
                sys.exit("pool did not fill")
            time.sleep(0.05)

    ws = tempfile.mkdtemp(prefix="cbbench-")
    os.chown(ws, 1000, 1000)
    opts = {"uid": 1000, "gid": 1000, "memoryLimitMB": 512, "cpuShares": 1024, "pidsLimit": 256, "network": False}

    # session.create from the pool (the refill between iterations is not timed).
    creates, pooled = [], 0
    for i in range(args.n):
        wait_pool()
        sid = f"b{i}"
        t = time.perf_counter()
        r = d.call("session.open", {"session": sid, "workspace": ws, "language": "python", "options": opts})
        creates.append((time.perf_counter() - t) * 1000)
        pooled += r["result"]["pooled"]
        d.call("session.close", {"session": sid})

    # Warm execute on one session.
    wait_pool()
    d.call("session.open", {"session": "warm", "workspace": ws, "language": "python", "options": opts})
    for _ in range(3):
        d.call("execute", {"session": "warm", "code": "print(1)"})
    execs = []
    for _ in range(args.n * 2):
        t = time.perf_counter()
        r = d.call("execute", {"session": "warm", "code": "print(1)"})
        execs.append((time.perf_counter() - t) * 1000)
        assert r["result"]["stdout"] == "1\n", r
    shell_true = [timed(lambda: d.call("shell", {"session": "warm", "command": "true"})) for _ in range(args.n)]
    d.call("session.close", {"session": "warm"})
    d.close()

    # Raw Docker, same machine, same moment.
    raw_run = [timed(lambda: subprocess.run(["docker", "run", "--rm", "--network", "none", "codebeaker-python", "true"],
                                            check=True, capture_output=True)) for _ in range(max(5, args.n // 3))]
    cid = subprocess.run(["docker", "run", "-d", "--rm", "--network", "none", "--entrypoint", "sleep", "codebeaker-python",
                          "600"], check=True, capture_output=True, text=True).stdout.strip()
    try:
        raw_exec = [timed(lambda: subprocess.run(["docker", "exec", cid, "python3", "-c", "print(1)"], check=True,
                                                 capture_output=True)) for _ in range(args.n)]
    finally:
        subprocess.run(["docker", "rm", "-f", cid], capture_output=True)

    rows = [
        ("session.create (pool)", creates, raw_run, "docker run --rm ... true", 150),
        ("execute_code print(1)", execs, raw_exec, "docker exec python3 -c", 15),
        ("shell true", shell_true, raw_exec, "docker exec python3 -c", None),
    ]
    print(f"{'what':26} {'p50 ms':>8} {'p90 ms':>8} {'raw':28} {'raw p50':>8} {'ratio':>7} {'target':>7}")
    out = {"pooledCreates": f"{pooled}/{args.n}"}
    for name, xs, raw, raw_name, target in rows:
        p50, p90, rp50 = pct(xs, 50), pct(xs, 90), pct(raw, 50)
        ratio = rp50 / p50
        tgt = f"<={target}" if target else ""
        print(f"{name:26} {p50:8.1f} {p90:8.1f} {raw_name:28} {rp50:8.1f} {ratio:6.1f}x {tgt:>7}")
        out[name] = {"p50": round(p50, 2), "p90": round(p90, 2), "rawP50": round(rp50, 2), "speedup": round(ratio, 1),
                     "target": target, "met": (p50 <= target) if target else None}
    print(f"pooled creates: {pooled}/{args.n}")
    print(json.dumps(out))


if __name__ == "__main__":
    main()
