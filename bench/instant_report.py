"""The goal table of bench/instant.py: one row per goal of issue 14 (figure, goal, pass/fail, ratio to the
same-run baseline, Jupyter Kernel Gateway's figure and CodeBeaker/JKG), plus a few rows for context."""
from bench_stats import pct

GOAL_MS, GOAL_RATE, GOAL_TAIL, GOAL_IDLE_MB, GOAL_500_GIB = 10, 1000, 3, 4, 2


def med(xs):
    return pct(xs, 50)


def row(what, value, text, goal=None, ok=None, base=None, jkg=None, ratio=None):
    return {"what": what, "value": value, "text": text, "goal": goal or "", "pass": ok,
            "baseline": base or "", "jkg": jkg or "", "cbOverJkg": ratio}


def build_rows(out):
    b, h, j = out["baselines"], out["host"], out.get("jkg") or {}
    has_jkg = "create" in j
    py, node = med(b["python_spawn"]), med(b["node_spawn"])
    rows = [row("baseline: python3 -c pass spawn, p50", py, f"{py:.1f} ms"),
            row("baseline: node -e 0 spawn, p50", node, f"{node:.1f} ms"),
            row("baseline: 8 parallel python3 -c pass, spawns/s", b["spawn_rate8"], f"{b['spawn_rate8']:.0f}/s"),
            row("baseline: fork floor (bench/fork_floor.py), print(1) jobs/s", b["fork_floor"],
                f"{b['fork_floor']:.0f}/s"),
            row("baseline: one bare python3, PSS", b["python_pss_kb"] / 1024, f"{b['python_pss_kb'] / 1024:.1f} MB")]

    def spawn_of(label):
        return (py, "python3 -c pass") if label == "python" else (node, "node -e 0")
    jc = med(j["create"]) if has_jkg else None
    for label, r in h["create"].items():
        p50, p99 = med(r["total"]), pct(r["total"], 99)
        base, bname = spawn_of(label)
        starts = f", sandboxStart {r['sandboxStart']}" if r["sandboxStart"] else ""
        jk = (f"kernel create→first result {jc:.0f} ms", p50 / jc) if label == "python" and has_jkg else (None, None)
        rows.append(row(f"{label}: session.create + first execute_code, p50 (p99)", p50,
                        f"{p50:.1f} ms ({p99:.0f}; create {med(r['create']):.1f} + first {med(r['first']):.1f}{starts})",
                        f"≤ {GOAL_MS} ms", p50 <= GOAL_MS, f"{p50 / base:.2f}× {bname}", *jk))
    for label, r in h["run"].items():
        p50 = med(r["total"])
        base, bname = spawn_of(label)
        starts = f", sandboxStart {r['sandboxStart']}" if r["sandboxStart"] else ""
        rows.append(row(f"{label}: execution.run, p50 (p99)", p50, f"{p50:.1f} ms ({pct(r['total'], 99):.0f}{starts})",
                        f"≤ {GOAL_MS} ms", p50 <= GOAL_MS, f"{p50 / base:.2f}× {bname}"))
    for label, why in h["skipped"].items():
        rows.append(row(f"{label}: create / execution.run", None, f"skipped: {why}", f"≤ {GOAL_MS} ms", False))
    w50, w99 = med(h["warm"]), pct(h["warm"], 99)
    jw = (f"{med(j['warm']):.1f} ms ({pct(j['warm'], 99):.0f})", w50 / med(j["warm"])) if has_jkg else (None, None)
    rows.append(row("python: warm print(1), one session, p50 (p99)", w50, f"{w50:.2f} ms ({w99:.1f})",
                    base=f"{w50 / py:.2f}× python3 -c pass", jkg=jw[0], ratio=jw[1]))
    t, jt = h["throughput"], j.get("throughput")
    errs = f", {len(t['errors'])} errors" if t["errors"] else ""
    rows.append(row("throughput: warm print(1), 8 sessions, executions/s", t["rate"],
                    f"{t['rate']:.0f}/s (p50 {t['p50']:.1f} ms, p99 {t['p99']:.1f} ms{errs})",
                    f"≥ {GOAL_RATE}/s", t["rate"] >= GOAL_RATE and not t["errors"],
                    f"{t['rate'] / b['fork_floor']:.2f}× fork floor",
                    jt and f"{jt['rate']:.0f}/s (p50 {jt['p50']:.1f}, p99 {jt['p99']:.1f})",
                    jt and t["rate"] / jt["rate"]))
    tail = t["p99"] / t["p50"]
    rows.append(row("throughput: the same load, p99 / p50", tail, f"{tail:.2f}", f"≤ {GOAL_TAIL}", tail <= GOAL_TAIL,
                    jkg=jt and f"{jt['p99'] / jt['p50']:.2f}", ratio=jt and tail / (jt["p99"] / jt["p50"])))
    st = h["throughputStateful"]
    rows.append(row("throughput: the same, stateful sessions (no fork per execution)", st["rate"],
                    f"{st['rate']:.0f}/s (p50 {st['p50']:.1f} ms, p99 {st['p99']:.1f} ms"
                    + (f", {len(st['errors'])} errors)" if st["errors"] else ")"),
                    f"≥ {GOAL_RATE}/s", st["rate"] >= GOAL_RATE and not st["errors"],
                    f"{st['rate'] / b['spawn_rate8']:.2f}× 8 parallel spawns/s"))
    stail = st["p99"] / st["p50"]
    rows.append(row("throughput: stateful, p99 / p50", stail, f"{stail:.2f}", f"≤ {GOAL_TAIL}", stail <= GOAL_TAIL))
    i, ji = h["idle"], j.get("idle")
    per = i["perSessionKB"] / 1024
    if "perSessionBusyKB" in i:
        busy = i["perSessionBusyKB"] / 1024
        rows.append(row("Python session right after its print(1), PSS (spares still warm)", busy, f"{busy:.2f} MB"))
    rows.append(row(f"idle Python session, PSS (host tree delta over {i['created']}, {i.get('idleAfterS', 0):.0f} s "
                    "without a job)", per, f"{per:.2f} MB",
                    f"≤ {GOAL_IDLE_MB} MB", per <= GOAL_IDLE_MB, f"{i['perSessionKB'] / b['python_pss_kb']:.2f}× bare python3",
                    ji and f"{ji['perKernelKB'] / 1024:.1f} MB per kernel (over {ji['n']})",
                    ji and i["perSessionKB"] / ji["perKernelKB"]))
    total = i["afterKB"] / 1024 / 1024
    big = i["n"] >= 500
    rows.append(row(f"{i['n']} idle Python sessions: host tree PSS", total,
                    f"{total:.2f} GiB ({i['procsAfter']} processes)" + ("" if big else " (the goal needs --idle 500)"),
                    f"≤ {GOAL_500_GIB} GiB", (total <= GOAL_500_GIB) if big else None,
                    f"{i['afterKB'] / b['python_pss_kb'] / i['n']:.2f}× bare python3 per session"))
    rows.append(row(f"{i['n']} idle Python sessions: still run print(1)", i["ranPrint"], f"{i['ranPrint']}/{i['n']}",
                    "all", (i["ranPrint"] == i["n"]) if big else None))
    return rows


def print_table(out, file=None):
    rows = out["rows"]
    w = max(len(r["what"]) for r in rows)
    print(f"{'what':{w}}  {'figure':52}  {'goal':9}  {'':4}  {'vs baseline':32}  {'Jupyter Kernel Gateway':44}  CB/JKG", file=file)
    for r in rows:
        mark = {True: "PASS", False: "FAIL", None: ""}[r["pass"]]
        ratio = f"{r['cbOverJkg']:.3f}" if r["cbOverJkg"] is not None else ""
        print(f"{r['what']:{w}}  {r['text']:52}  {r['goal']:9}  {mark:4}  {r['baseline']:32}  {r['jkg']:44}  {ratio}", file=file)
    print(f"1-minute load average: {out['loadavgStart']:.1f} at the start, {out['loadavgEnd']:.1f} at the end "
          f"({'release' if out['build'] == 'release' else 'DEBUG'} build{', --quick' if out['quick'] else ''})", file=file)
    j = out.get("jkg") or {}
    if "skipped" in j:
        print(f"Jupyter Kernel Gateway: skipped ({j['skipped']})", file=file)
    for line in out["host"].get("metrics", []):
        print(f"metrics: {line}", file=file)
    h = out["host"]
    for e in h["throughput"]["errors"][:3] + h["throughputStateful"]["errors"][:3] + h["idle"]["failures"]:
        print(f"error: {e}", file=file)
