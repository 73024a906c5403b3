"""Host robustness limits against the real host and drivers: session limits hold under concurrency, every
principal has execution and file-command rates (execution.run included), file commands cannot stall other
principals (the noisy-neighbour test), and the small contract points of session.create."""
import json
import math
import multiprocessing
import os
import statistics
import threading
import time

import pytest

from attacks_util import server_env
from cbclient import Client, RPCError

TOK_ALICE = "alice-" + os.urandom(12).hex()
TOK_MALLORY = "mallory-" + os.urandom(12).hex()


def start_with(start_server, tmp_path, security=None, top=None, env=None):
    cfg = dict(top or {})
    if security:
        cfg["security"] = security
    path = tmp_path / "config.json"
    path.write_text(json.dumps(cfg))
    return start_server("--config", str(path), env=server_env(**(env or {})))


def pipelined(client, method, params_list, timeout=120):
    """Sends every request before reading any answer, so the host handles them concurrently."""
    ids = []
    for params in params_list:
        rid = next(client.ids)
        client.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}))
        ids.append(rid)
    return [client.wait_for(rid, timeout) for rid in ids]


def test_sixty_concurrent_creates_give_exactly_the_configured_twenty(start_server, tmp_path):
    srv = start_with(start_server, tmp_path, {"requestBurst": 1000})
    warm = srv.client()
    warm.session_when_ready("python")  # the driver is up; this session counts: 19 places left
    clients = [srv.client() for _ in range(3)]
    results = [None] * 3

    def fire(i):
        results[i] = pipelined(clients[i], "session.create", [{"language": "python"}] * 20)

    threads = [threading.Thread(target=fire, args=(i,)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    answers = [r for rs in results for r in rs]
    created = [r for r in answers if "result" in r]
    refused = [r["error"] for r in answers if "error" in r]
    assert len(created) == 19, (len(created), refused[:3])
    assert len(refused) == 41 and all(e["code"] == -32029 and e["data"]["rule"] == "maxSessionsPerPrincipal" for e in refused), refused[:3]
    assert warm.call("session.list")["count"] == 20
    for c in clients:
        for r in created:
            c.request("session.close", {"sessionId": r["result"]["sessionId"]})
        break
    assert warm.call("session.list")["count"] == 1
    for c in clients + [warm]:
        c.close()


def test_execution_run_counts_against_the_principals_execution_rate(start_server, tmp_path):
    srv = start_with(start_server, tmp_path, {"principalExecutionsPerMinute": 5})
    c = srv.client()
    c.session_when_ready("python")
    sid = c.sessions[0]
    assert c.execute(sid, {"type": "execute_code", "code": "print(1)"})["success"]
    runs = [c.request("execution.run", {"language": "python", "code": "print(2)"}) for _ in range(6)]
    ok = [r for r in runs if "result" in r]
    assert len(ok) == 4 and all(r["result"]["stdout"] == "2\n" for r in ok), runs
    err = runs[-1]["error"]
    assert err["code"] == -32029 and err["data"]["rule"] == "principalExecutionsPerMinute", err
    assert 0 < err["data"]["retryAfterMs"] <= 60_000
    # session.execute in any session is covered by the same window.
    with pytest.raises(RPCError) as e:
        c.execute(sid, {"type": "execute_code", "code": "print(3)"})
    assert e.value.code == -32029 and e.value.data["rule"] == "principalExecutionsPerMinute"
    # The refused run made no session (it was refused before creating one).
    assert c.call("session.list")["count"] == 1
    c.close()


def test_file_commands_have_a_per_principal_rate(start_server, tmp_path):
    srv = start_with(start_server, tmp_path, {"principalFileCommandsPerMinute": 10})
    c = srv.client()
    sid = c.session_when_ready("python")
    answers = [c.request("session.execute", {"sessionId": sid, "command": {"type": "write_file", "path": f"f{i}.txt", "content": "x"}})
               for i in range(12)]
    assert sum(1 for a in answers if "result" in a and a["result"]["success"]) == 10
    err = answers[-1]["error"]
    assert err["code"] == -32029 and err["data"]["rule"] == "principalFileCommandsPerMinute" and err["data"]["retryAfterMs"] > 0
    # A refused path does not use the window up (checked first, refused with -32011, never counted).
    c.close()


def test_validation_refusals_do_not_count_against_execution_caps(start_server, tmp_path):
    srv = start_with(start_server, tmp_path, {"executionsPerMinute": 2})
    c = srv.client()
    sid = c.session_when_ready("python")
    for _ in range(4):
        with pytest.raises(RPCError) as e:
            c.execute(sid, {"type": "execute_shell", "commandName": "sudo", "args": ["ls"]})
        assert e.value.code == -32011
    for i in range(2):
        assert c.execute(sid, {"type": "execute_code", "code": f"print({i})"})["success"]
    with pytest.raises(RPCError) as e:
        c.execute(sid, {"type": "execute_code", "code": "print(9)"})
    assert e.value.code == -32029 and e.value.data["rule"] == "executionsPerMinute"
    c.close()


def test_runtime_type_accepts_the_seeds_node_js_spelling(server):
    c = server.client()
    try:
        langs = c.call("language.list")["languages"]
        if not any(r["runtimeType"] == "NodeJs" for lang in langs for r in lang["runtimes"]):
            pytest.skip("node runtime not installed (not in language.list)")
        for spelling in ["Node.js", "node.js", "NODEJS"]:
            sid = c.session_when_ready("javascript", runtimeType=spelling)
            listed = [s for s in c.call("session.list")["sessions"] if s["sessionId"] == sid][0]
            assert listed["runtime"]["type"] == "NodeJs", listed
    finally:
        c.close()


def test_docker_image_on_a_non_docker_runtime_is_refused(server):
    c = server.client()
    try:
        c.session_when_ready("python")  # drivers are up
        with pytest.raises(RPCError) as e:
            c.session("python", runtimeType="Python", dockerImage="python:3.12-slim")
        assert e.value.code == -32602 and e.value.data["field"] == "dockerImage"
    finally:
        c.close()


# ---- the noisy neighbour ----

SAMPLES = 200


def percentile(sorted_ms, q):
    return sorted_ms[math.ceil(q * len(sorted_ms)) - 1]


def flood_worker(url, token, sid, commands, stop, tallies):
    """One flooding connection: keeps 8 file commands in flight, every kind in turn, until `stop`. It sends
    them as fast as its connection's request budget (100/s by default) lets through: a remote attacker's
    send loop costs the host nothing, but here it would share the test machine's two cores with the host."""
    os.nice(19)  # the attacker's own CPU would be on another machine; here it must not starve the host
    tally = {"ok": 0, "failed": 0, "refused": 0, "other": 0}
    c = Client(url, headers={"Authorization": f"Bearer {token}"})
    i = 0
    try:
        while not stop.is_set():
            batch = [{"sessionId": sid, "command": commands[(i + k) % len(commands)]} for k in range(8)]
            i += 8
            t0 = time.monotonic()
            answers = pipelined(c, "session.execute", batch, timeout=300)
            time.sleep(max(0.0, 0.08 - (time.monotonic() - t0)))  # at most 8 requests per 80 ms: 100/s
            for a in answers:
                if "result" in a:
                    tally["ok" if a["result"]["success"] else "failed"] += 1
                elif a["error"]["code"] == -32029:
                    tally["refused"] += 1
                else:
                    tally["other"] += 1
    finally:
        c.close(close_sessions=False)
        tallies.put(tally)


def test_a_file_command_flood_does_not_stall_another_principal(start_server, tmp_path):
    srv = start_with(start_server, tmp_path, {"executionsPerMinute": 1000, "principalExecutionsPerMinute": 1000},
                     env={"CODEBEAKER_TOKENS": f"alice:{TOK_ALICE},mallory:{TOK_MALLORY}"})
    as_ = lambda tok: Client(srv.url, headers={"Authorization": f"Bearer {tok}"})
    alice = as_(TOK_ALICE)
    a_sid = alice.session_when_ready("python")
    mallory = as_(TOK_MALLORY)
    m_sid = mallory.session_when_ready("python")

    # Mallory's ammunition, made in her sandbox: the pair of crafted 8 MB files (millions of identical
    # lines, a distinct one every 3,000, offset between the files), a pair of the same shape just under the
    # diff line limit (190,000 lines, which the host really diffs), and a 100 MB file.
    make = (
        "def crafted(path, lines, offset):\n"
        "    with open(path, 'w') as f:\n"
        "        f.write(''.join(f'x{i}\\n' if (i + offset) % 3000 == 0 else 'aaa\\n' for i in range(lines)))\n"
        "crafted('/workspace/big-a.txt', 2_000_000, 0)\n"
        "crafted('/workspace/big-b.txt', 2_000_000, 1500)\n"
        "crafted('/workspace/a.txt', 190_000, 0)\n"
        "crafted('/workspace/b.txt', 190_000, 1500)\n"
        "open('/workspace/big.bin', 'wb').write(b'x' * (100 << 20))\n")
    r = mallory.execute(m_sid, {"type": "execute_code", "timeout": 120, "code": make}, timeout=180)
    assert r["success"], r
    refused = mallory.execute(m_sid, {"type": "diff", "path": "big-a.txt", "otherPath": "big-b.txt"})
    assert not refused["success"] and "more than 200000 lines" in refused["error"], refused
    # Writes are 64 KiB: a write's content is parsed as JSON on the request path, which is the transport's
    # cost, not the file threads'; this test is about the file work.
    chunk = "y" * (64 << 10)

    commands = [
        {"type": "diff", "path": "a.txt", "otherPath": "b.txt"},
        {"type": "diff", "path": "big-a.txt", "otherPath": "big-b.txt"},
        {"type": "copy_file", "sourcePath": "big.bin", "destinationPath": "copy.bin"},
        {"type": "write_file", "path": "w.txt", "content": chunk},
        {"type": "list_directory", "path": "/workspace", "recursive": True},
        {"type": "read_file", "path": "w.txt"},
        {"type": "create_directory", "path": "d/e/f"},
        {"type": "delete_file", "path": "d"},
    ]
    stop = multiprocessing.Event()
    tallies = multiprocessing.Queue()
    # Alice's warm baseline. She sends at most one request per 12.5 ms (80/s): on a fast machine a warm
    # execute takes ~3 ms, and 600 of them back to back would exceed her own connection's budget (100/s, burst
    # 200), which is not what this test measures.
    last = [0.0]

    def execute_ms():
        time.sleep(max(0.0, last[0] + 0.0125 - time.perf_counter()))
        t0 = last[0] = time.perf_counter()
        r = alice.execute(a_sid, {"type": "execute_code", "code": "print(1)"})
        assert r["success"] and r["result"]["stdout"] == "1\n", r
        return (time.perf_counter() - t0) * 1000

    for _ in range(5):
        execute_ms()
    quiet = sorted(execute_ms() for _ in range(SAMPLES))
    # The flood runs in other processes, so it does not compete with alice's measurements for this one's GIL.
    ctx = multiprocessing.get_context("fork")
    floods = [ctx.Process(target=flood_worker, args=(srv.url, TOK_MALLORY, m_sid, commands, stop, tallies)) for _ in range(4)]
    for t in floods:
        t.start()
    try:
        time.sleep(2)  # let the flood fill the file threads and queues before measuring
        samples = []
        for _ in range(SAMPLES):
            samples.append(execute_ms())
    finally:
        stop.set()
        for t in floods:
            t.join(timeout=300)
    tally = {"ok": 0, "failed": 0, "refused": 0, "other": 0}
    for _ in floods:
        for k, v in tallies.get(timeout=60).items():
            tally[k] += v
    # Quiet again: machine load from outside the test (other builds) that rose during the flood shows here too.
    after = sorted(execute_ms() for _ in range(SAMPLES))
    samples.sort()
    p50 = statistics.median(samples)
    p99, quiet_p99 = percentile(samples, 0.99), max(percentile(quiet, 0.99), percentile(after, 0.99))
    print(f"bystander execute: quiet p50 {statistics.median(quiet):.1f} ms, p99 {quiet_p99:.1f} ms (worse of before/after); "
          f"under a file flood: p50 {p50:.1f} ms, p99 {p99:.1f} ms; flood {tally}")
    assert tally["ok"] + tally["failed"] >= 4, tally  # the flood really ran file commands
    assert tally["refused"] > 0, tally                # and hit its limits
    assert tally["other"] == 0, tally
    # The failure this guards against is a stall: the old host froze bystanders for seconds. The flood's four
    # client processes also compete for this machine's CPU (2 cores in CI), which slows alice's own client and
    # runner without any stall in the host, so the bound is well above contention and far below a stall:
    # 100 ms, or 3x the quiet p99 when the machine is loaded from outside.
    bound = max(100.0, 3 * quiet_p99)
    assert p99 < bound, (p99, bound, samples[-5:], tally)
    alice.close()
    mallory.close()
