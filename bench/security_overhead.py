#!/usr/bin/env python3
"""What the security layers cost on a warm `execute_code print(1)` round trip, measured end to end.

Two release-build servers run side by side in the same run:
  on:  input validation and rate limiting on (limits raised so the bench itself is never refused: the checks
       still run in full on every request);
  off: input validation and rate limiting off.
Both keep the audit log on (in a temp dir) and the same sandbox. Round trips are interleaved in rounds, the
order alternating each round, so machine noise (other builds on this 2-core box) hits both alike.

    swift build -c release
    python3 bench/security_overhead.py [--build-dir .build/release] [--rounds 30] [--per-round 100] [--json out.json]

Within a round the two servers alternate request by request. Reports p50/p99 of each and three estimates of
the overhead: the median of paired differences (on - off, measured back to back) over the off p50 -- the most
robust against this machine's noise --, the median over rounds of (on_median / off_median - 1), and the ratio
of the overall p50s. The target is <= 1%.
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "Tests", "e2e"))
os.environ.setdefault("CODEBEAKER_BUILD_DIR", os.path.join(HERE, "..", ".build", "release"))


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(len(xs) * p / 100))]


def config(tmp, name, on):
    sec = {"auditLogDirectory": os.path.join(tmp, name + "-audit"),
           "requestsPerSecond": 1_000_000, "requestBurst": 1_000_000}
    if on:
        sec.update({"executionsPerMinute": 100_000, "maxExecutionsPerSession": 2_000_000_000})
    else:
        sec.update({"enableInputValidation": False, "enableRateLimiting": False})
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump({"security": sec}, f)
    return path


def open_session(server):
    c = server.client()
    deadline = time.monotonic() + 60
    while True:
        try:
            return c, c.session("python")
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


FAILED = []


def round_trip(c, sid):
    """Milliseconds, or None when the run failed (counted in FAILED and left out: the runner's known
    transient 'Broken pipe' failures must not pass for a fast round trip)."""
    t = time.perf_counter()
    r = c.execute(sid, {"type": "execute_code", "code": "print(1)"})
    dt = (time.perf_counter() - t) * 1000
    if not (r["success"] and r["result"]["stdout"] == "1\n"):
        FAILED.append(r.get("error"))
        return None
    return dt


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir")
    ap.add_argument("--rounds", type=int, default=30)
    ap.add_argument("--per-round", type=int, default=100)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.build_dir:
        os.environ["CODEBEAKER_BUILD_DIR"] = os.path.abspath(a.build_dir)
    import conftest  # reads CODEBEAKER_BUILD_DIR at import
    tmp = tempfile.mkdtemp(prefix="cb-secbench-")
    servers = {}
    try:
        for name, on in (("on", True), ("off", False)):
            servers[name] = conftest.Server("--config", config(tmp, name, on), "--log-level", "warning")
        conns = {name: open_session(s) for name, s in servers.items()}
        for name, (c, sid) in conns.items():
            for _ in range(a.warmup):
                round_trip(c, sid)
        samples = {"on": [], "off": []}
        ratios, diffs = [], []
        for r in range(a.rounds):
            # Interleaved request by request (order swapped each round): a pair sees the same machine noise.
            order = ("on", "off") if r % 2 == 0 else ("off", "on")
            ts = {"on": [], "off": []}
            for _ in range(a.per_round):
                pair = {}
                for name in order:
                    c, sid = conns[name]
                    pair[name] = round_trip(c, sid)
                if None in pair.values():
                    continue
                for name in pair:
                    ts[name].append(pair[name])
                diffs.append(pair["on"] - pair["off"])
            for name in ts:
                samples[name] += ts[name]
            ratios.append(statistics.median(ts["on"]) / statistics.median(ts["off"]) - 1)
        for c, _ in conns.values():
            c.close()
    finally:
        for s in servers.values():
            s.stop()
    out = {"rounds": a.rounds, "perRound": a.per_round, "binary": str(conftest.BINARY), "failedRuns": len(FAILED)}
    for name in ("on", "off"):
        xs = samples[name]
        out[name] = {"n": len(xs), "p50_ms": round(pct(xs, 50), 4), "p99_ms": round(pct(xs, 99), 4),
                     "mean_ms": round(statistics.fmean(xs), 4)}
    out["overhead_median_of_rounds_pct"] = round(100 * statistics.median(ratios), 2)
    out["paired_diff_median_ms"] = round(statistics.median(diffs), 4)
    out["overhead_paired_pct"] = round(100 * statistics.median(diffs) / out["off"]["p50_ms"], 2)
    out["overhead_p50_pct"] = round(100 * (out["on"]["p50_ms"] / out["off"]["p50_ms"] - 1), 2)
    q = statistics.quantiles(ratios, n=4)
    out["round_ratio_iqr_pct"] = [round(100 * q[0], 2), round(100 * q[2], 2)]
    print(f"warm execute_code print(1) round trip, {a.rounds} rounds x {a.per_round}, interleaved"
          f" ({len(FAILED)} failed runs left out{': ' + str(FAILED[0]) if FAILED else ''})")
    for name, label in (("on", "validation + rate limiting ON "), ("off", "validation + rate limiting OFF")):
        o = out[name]
        print(f"  {label}: p50 {o['p50_ms']:.3f} ms  p99 {o['p99_ms']:.3f} ms  mean {o['mean_ms']:.3f} ms  (n={o['n']})")
    print(f"  overhead: median of per-round ratios {out['overhead_median_of_rounds_pct']:+.2f}% "
          f"(IQR {out['round_ratio_iqr_pct'][0]:+.2f}% .. {out['round_ratio_iqr_pct'][1]:+.2f}%), "
          f"p50 ratio {out['overhead_p50_pct']:+.2f}%")
    print(f"  paired (on - off, same moment): median {out['paired_diff_median_ms'] * 1000:+.1f} us = "
          f"{out['overhead_paired_pct']:+.2f}% of the p50  (target <= 1%)")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
