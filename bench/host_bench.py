#!/usr/bin/env python3
"""Transport benchmark for the codebeaker host.

Measures, in one run:
  (a) baseline: round trip of a trivial python `websockets` echo server on loopback,
  (b) codebeaker `initialize` round trip p50/p99 on one connection,
  (c) requests/s with 64 connections (one request in flight per connection),
  (d) host RSS idle, and with 1,000 idle WebSockets (all checked alive with a ping afterwards),
and prints ratios to the baseline. The client is the same minimal raw-socket WebSocket client for every
server, so the ratio compares servers, not client libraries.

Usage: python3 bench/host_bench.py [--binary PATH] [--seconds 5] [--rtt-count 5000] [--idle 1000]
"""
import argparse
import base64
import json
import os
import pathlib
import resource
import selectors
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]


# ---- a minimal WebSocket client (masked frames, blocking or selector-driven) ----

def handshake(port, path="/ws/jsonrpc"):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: {key}\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            raise RuntimeError("connection closed during handshake")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    if not head.startswith(b"HTTP/1.1 101"):
        raise RuntimeError("handshake failed: " + head.decode(errors="replace"))
    return s, rest


def masked_frame(opcode, payload):
    n = len(payload)
    head = bytes([0x80 | opcode])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    key = b"\x00\x00\x00\x00"  # a zero key keeps the client cheap; the server still unmasks every byte
    return head + key + payload


def parse_frames(buf):
    """Returns (number of complete frames, bytes consumed, [(opcode, payload)] for the first few)."""
    count, off, frames = 0, 0, []
    while len(buf) - off >= 2:
        b1 = buf[off + 1] & 0x7F
        hl = 2
        if b1 == 126:
            if len(buf) - off < 4:
                break
            n = struct.unpack_from("!H", buf, off + 2)[0]
            hl = 4
        elif b1 == 127:
            if len(buf) - off < 10:
                break
            n = struct.unpack_from("!Q", buf, off + 2)[0]
            hl = 10
        else:
            n = b1
        if len(buf) - off < hl + n:
            break
        if len(frames) < 4:
            frames.append((buf[off] & 0x0F, bytes(buf[off + hl:off + hl + n])))
        off += hl + n
        count += 1
    return count, off, frames


def round_trips(port, payload, count, warmup=200):
    s, rest = handshake(port)
    frame = masked_frame(0x1, payload)
    buf = bytearray(rest)
    samples = []
    for i in range(warmup + count):
        t0 = time.perf_counter_ns()
        s.sendall(frame)
        while True:
            n, used, frames = parse_frames(buf)
            if n:
                del buf[:used]
                break
            chunk = s.recv(65536)
            if not chunk:
                raise RuntimeError("server closed the connection")
            buf += chunk
        if i >= warmup:
            samples.append((time.perf_counter_ns() - t0) / 1000)
    s.close()
    samples.sort()
    return {"p50_us": samples[len(samples) // 2], "p99_us": samples[int(len(samples) * 0.99)],
            "mean_us": statistics.fmean(samples), "count": count}


def throughput(port, payload, connections, seconds):
    """Each connection keeps one request in flight; counts replies in `seconds`."""
    frame = masked_frame(0x1, payload)
    sel = selectors.DefaultSelector()
    socks = []
    for _ in range(connections):
        s, rest = handshake(port)
        s.setblocking(False)
        socks.append(s)
        sel.register(s, selectors.EVENT_READ, bytearray(rest))
    for s in socks:
        s.send(frame)
    done = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        now = time.perf_counter()
        if now >= end:
            break
        for key, _ in sel.select(timeout=end - now):
            s, buf = key.fileobj, key.data
            try:
                chunk = s.recv(262144)
            except BlockingIOError:
                continue
            if not chunk:
                raise RuntimeError("server closed a connection")
            buf += chunk
            n, used, _ = parse_frames(buf)
            if n:
                del buf[:used]
                done += n
                s.send(frame * n)
    elapsed = time.perf_counter() - start
    for s in socks:
        s.close()
    return {"requests_per_s": done / elapsed, "connections": connections, "seconds": round(elapsed, 2)}


def throughput_procs(port, payload, connections, seconds, procs):
    """`throughput` split over `procs` client processes (one Python process caps near one core)."""
    if procs <= 1:
        return throughput(port, payload, connections, seconds)
    import multiprocessing
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(procs) as pool:
        share = [connections // procs + (1 if i < connections % procs else 0) for i in range(procs)]
        parts = pool.starmap(throughput, [(port, payload, n, seconds) for n in share])
    return {"requests_per_s": sum(p["requests_per_s"] for p in parts), "connections": connections,
            "seconds": max(p["seconds"] for p in parts), "client_processes": procs}


def cpu_seconds(pid):
    """User+system CPU time of a process (all threads), from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def with_cpu(pid, fn, *a):
    """Runs fn and adds the server's CPU microseconds per request (independent of the client's speed)."""
    c0 = cpu_seconds(pid)
    r = fn(*a)
    used = cpu_seconds(pid) - c0
    total = r.get("count") or r["requests_per_s"] * r["seconds"]
    r["server_cpu_us_per_request"] = round(used / total * 1e6, 1)
    return r


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1


def idle_connections(port, pid, count):
    socks = []
    for i in range(count):
        s, _ = handshake(port)
        socks.append(s)
    time.sleep(1.0)
    rss = rss_kb(pid)
    alive = 0
    ping = masked_frame(0x9, b"p")
    for s in socks:
        s.sendall(ping)
    for s in socks:
        s.settimeout(10)
        data = b""
        while True:
            n, _, frames = parse_frames(data)
            if n:
                break
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        if frames and frames[0][0] == 0xA:
            alive += 1
        s.close()
    return {"rss_mb": round(rss / 1024, 1), "connections": count, "alive_after": alive}


# ---- servers ----

def start_echo_server():
    """A trivial python `websockets` echo server in a subprocess (so it has its own core like the host)."""
    code = ("import asyncio, websockets, sys\n"
            "async def echo(ws):\n"
            "    async for m in ws:\n"
            "        await ws.send(m)\n"
            "async def main():\n"
            "    async with websockets.serve(echo, '127.0.0.1', 0, compression=None) as srv:\n"
            "        print(srv.sockets[0].getsockname()[1], flush=True)\n"
            "        await asyncio.Future()\n"
            "asyncio.run(main())\n")
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    return p, int(p.stdout.readline())


def start_codebeaker(binary, with_drivers):
    tmp = tempfile.mkdtemp(prefix="cb-bench-")
    drivers = str(pathlib.Path(binary).parent) if with_drivers else tmp
    # --drivers-dir adds to the defaults: without drivers means an empty directory and none of the defaults.
    p = subprocess.Popen([binary, "--port", "0", "--workspace-root", tmp, "--drivers-dir", drivers,
                          "--log-level", "warning"] + ([] if with_drivers else ["--no-default-drivers"]),
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = p.stdout.readline()
        if "listening on ws://" in line:
            port = int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
            threading.Thread(target=p.stdout.read, daemon=True).start()
            return p, port
        if not line and p.poll() is not None:
            break
    p.kill()
    raise RuntimeError("codebeaker did not start")


def main():
    ap = argparse.ArgumentParser()
    default = ROOT / ".build" / "release" / "codebeaker"
    if not default.exists():
        default = ROOT / ".build" / "debug" / "codebeaker"
    ap.add_argument("--binary", default=str(default))
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--rtt-count", type=int, default=5000)
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--idle", type=int, default=1000)
    ap.add_argument("--client-procs", type=int, default=1, help="client processes for the throughput phase")
    ap.add_argument("--with-drivers", action="store_true", help="let the host start the built drivers")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    init = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize"}).encode()
    results = {"binary": args.binary}

    echo, echo_port = start_echo_server()
    try:
        results["baseline_echo_rtt"] = with_cpu(echo.pid, round_trips, echo_port, init, args.rtt_count)
        results["baseline_echo_throughput"] = with_cpu(echo.pid, throughput_procs, echo_port, init, args.connections, args.seconds,
                                                       args.client_procs)
    finally:
        echo.kill()
        echo.wait()

    cb, port = start_codebeaker(args.binary, args.with_drivers)
    try:
        time.sleep(0.5)
        results["rss_idle_mb"] = round(rss_kb(cb.pid) / 1024, 1)
        results["initialize_rtt"] = with_cpu(cb.pid, round_trips, port, init, args.rtt_count)
        results["initialize_throughput"] = with_cpu(cb.pid, throughput_procs, port, init, args.connections, args.seconds,
                                                  args.client_procs)
        results["idle_websockets"] = idle_connections(port, cb.pid, args.idle)
        results["rss_after_mb"] = round(rss_kb(cb.pid) / 1024, 1)
    finally:
        cb.terminate()
        try:
            cb.wait(timeout=10)
        except subprocess.TimeoutExpired:
            cb.kill()

    base, ours = results["baseline_echo_rtt"], results["initialize_rtt"]
    results["ratio_rtt_p50_vs_baseline"] = round(ours["p50_us"] / base["p50_us"], 2)
    results["ratio_throughput_vs_baseline"] = round(results["initialize_throughput"]["requests_per_s"]
                                                    / results["baseline_echo_throughput"]["requests_per_s"], 2)
    print(json.dumps(results, indent=2))
    print(f"\nbaseline echo RTT p50 {base['p50_us']:.0f} us, p99 {base['p99_us']:.0f} us; "
          f"{results['baseline_echo_throughput']['requests_per_s']:.0f} msg/s with {args.connections} connections")
    print(f"codebeaker initialize RTT p50 {ours['p50_us']:.0f} us, p99 {ours['p99_us']:.0f} us "
          f"(x{results['ratio_rtt_p50_vs_baseline']} baseline); "
          f"{results['initialize_throughput']['requests_per_s']:.0f} req/s with {args.connections} connections "
          f"(x{results['ratio_throughput_vs_baseline']} baseline)")
    idle = results["idle_websockets"]
    print(f"host RSS idle {results['rss_idle_mb']} MB; with {idle['connections']} idle WebSockets "
          f"{idle['rss_mb']} MB, {idle['alive_after']}/{idle['connections']} answered a ping")


if __name__ == "__main__":
    main()
