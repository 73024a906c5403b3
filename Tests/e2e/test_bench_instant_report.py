"""bench/instant.py's goal table (bench/instant_report.py) judges each goal of issue 14 from the figures it is
given: pure logic, checked here on made-up figures so that a wrong comparison cannot print PASS."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "bench"))
from instant_report import build_rows  # noqa: E402


def figures(idle_n=50, per_kb=3000.0, after_kb=1.5 * 1024 * 1024, ran=None, rate=1200.0, p50=5.0, p99=14.0,
            create_ms=8.0, run_ms=12.0, jkg=True):
    samples = lambda v: [v] * 5  # noqa: E731
    host = {"create": {"python": {"total": samples(create_ms), "create": samples(2.0), "first": samples(create_ms - 2),
                                  "sandboxStart": {"pooled": 5}}},
            "run": {"python": {"total": samples(run_ms), "sandboxStart": {}}},
            "skipped": {"deno": "no runtime"},
            "warm": samples(3.0),
            "throughput": {"rate": rate, "p50": p50, "p99": p99, "count": 100, "errors": []},
            "throughputStateful": {"rate": rate, "p50": p50, "p99": p99, "count": 100, "errors": []},
            "idle": {"n": idle_n, "created": idle_n, "ranPrint": idle_n if ran is None else ran, "beforeKB": 0,
                     "afterKB": after_kb, "perSessionKB": per_kb, "idleAfterS": 35.0, "perSessionBusyKB": 9000.0, "procsBefore": 10, "procsAfter": 99, "failures": []}}
    out = {"baselines": {"python_spawn": samples(25.0), "node_spawn": samples(40.0), "spawn_rate8": 100.0,
                         "fork_floor": 900.0, "python_pss_kb": 8000}, "host": host}
    if jkg:
        out["jkg"] = {"create": samples(1000.0), "warm": samples(50.0),
                      "throughput": {"rate": 40.0, "p50": 180.0, "p99": 300.0, "count": 100},
                      "idle": {"n": 10, "perKernelKB": 36000.0}}
    return out


def verdicts(out):
    return {r["what"]: r["pass"] for r in build_rows(out)}


def test_every_goal_passes_on_figures_that_meet_it_and_a_skipped_runtime_fails():
    v = verdicts(figures(idle_n=500))
    assert v["python: session.create + first execute_code, p50 (p99)"] is True
    assert v["python: execution.run, p50 (p99)"] is False  # 12 ms > 10 ms
    assert v["deno: create / execution.run"] is False
    assert v["throughput: warm print(1), 8 sessions, executions/s"] is True
    assert v["throughput: the same load, p99 / p50"] is True  # 14 / 5 = 2.8
    assert v["throughput: the same, stateful sessions (no fork per execution)"] is True
    assert v["throughput: stateful, p99 / p50"] is True
    assert v["idle Python session, PSS (host tree delta over 500, 35 s without a job)"] is True
    assert v["500 idle Python sessions: host tree PSS"] is True
    assert v["500 idle Python sessions: still run print(1)"] is True


def test_each_goal_fails_past_its_limit():
    v = verdicts(figures(idle_n=500, per_kb=4.1 * 1024, after_kb=2.1 * 1024 * 1024, ran=499, rate=999.0, p99=15.1,
                         create_ms=10.5))
    failing = ["python: session.create + first execute_code, p50 (p99)", "throughput: warm print(1), 8 sessions, executions/s",
               "throughput: the same load, p99 / p50", "throughput: the same, stateful sessions (no fork per execution)",
               "throughput: stateful, p99 / p50", "idle Python session, PSS (host tree delta over 500, 35 s without a job)",
               "500 idle Python sessions: host tree PSS", "500 idle Python sessions: still run print(1)"]
    assert {k: v[k] for k in failing} == {k: False for k in failing}


def test_the_500_session_goals_are_not_judged_on_fewer_sessions_and_jkg_ratios_are_this_over_jkg():
    rows = {r["what"]: r for r in build_rows(figures(idle_n=50))}
    assert rows["50 idle Python sessions: host tree PSS"]["pass"] is None
    assert rows["50 idle Python sessions: still run print(1)"]["pass"] is None
    assert rows["throughput: warm print(1), 8 sessions, executions/s"]["cbOverJkg"] == 1200.0 / 40.0
    assert rows["throughput: warm print(1), 8 sessions, executions/s"]["baseline"] == "1.33× fork floor"
    assert rows["python: session.create + first execute_code, p50 (p99)"]["cbOverJkg"] == 8.0 / 1000.0
    assert "pooled" in rows["python: session.create + first execute_code, p50 (p99)"]["text"]
    without = {r["what"]: r for r in build_rows(figures(jkg=False))}
    assert without["throughput: warm print(1), 8 sessions, executions/s"]["cbOverJkg"] is None
