"""The peer in bench/instant.py: Jupyter Kernel Gateway (PyPI jupyter-kernel-gateway + ipykernel, installed by
`scripts/setup.sh --bench` into .bench-venv) on loopback, driven over its REST API and each kernel's WebSocket
channels with the Jupyter messaging protocol (execute_request on shell; the result is the stream output plus the
execute_reply). The same paths as CodeBeaker's rows: kernel create to first result, warm execute, throughput
over 8 kernels, PSS per idle kernel; instant.py runs each right after CodeBeaker's, so drift hits both alike."""
import asyncio
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid

from bench_stats import pct, tree_pss_kb


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gateway:
    def __init__(self, jupyter):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="jkg-", suffix=".log", delete=False)
        self.proc = subprocess.Popen([jupyter, "kernelgateway", "--KernelGatewayApp.ip=127.0.0.1",
                                      f"--KernelGatewayApp.port={self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.time() + 60
        while True:
            try:
                self.http("GET", "/api")
                return
            except OSError:
                if self.proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"the gateway did not start; see {self.log.name}")
                time.sleep(0.2)

    def http(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            text = r.read()
        return json.loads(text) if text else None

    async def kernel(self):
        """A new python3 kernel and a connection to its channels."""
        from websockets.asyncio.client import connect
        kid = (await asyncio.to_thread(self.http, "POST", "/api/kernels", {"name": "python3"}))["id"]
        ws = await connect(f"ws://127.0.0.1:{self.port}/api/kernels/{kid}/channels", max_size=2**26,
                           open_timeout=60, ping_interval=None)
        return kid, ws

    async def delete(self, kid, ws=None):
        if ws is not None:
            await ws.close()
        await asyncio.to_thread(self.http, "DELETE", f"/api/kernels/{kid}")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.unlink(self.log.name)


async def execute(ws, code="print(1)"):
    """Sends an execute_request; returns once its execute_reply has arrived and the kernel has gone idle after
    it (the iopub status that follows all of the request's output)."""
    mid = uuid.uuid4().hex
    await ws.send(json.dumps({
        "header": {"msg_id": mid, "username": "bench", "session": "bench", "msg_type": "execute_request",
                   "version": "5.3"},
        "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
        "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {},
                    "allow_stdin": False, "stop_on_error": True}}))
    out, replied, idle = "", False, False
    while not (replied and idle):
        m = json.loads(await asyncio.wait_for(ws.recv(), 120))
        if m.get("parent_header", {}).get("msg_id") != mid:
            continue
        kind = m.get("msg_type") or m["header"]["msg_type"]
        if kind == "stream":
            out += m["content"]["text"]
        elif kind == "execute_reply":
            if m["content"]["status"] != "ok":
                raise RuntimeError(f"kernel error {m['content']}")
            replied = True
        elif kind == "status" and m["content"]["execution_state"] == "idle":
            idle = True
    if out != "1\n":
        raise RuntimeError(f"unexpected output {out!r}")


def since(t):
    return (time.perf_counter() - t) * 1000


async def create_first(gw, n):
    """n times: POST /api/kernels, connect to its channels, the first execute; timed to its result."""
    times = []
    for _ in range(n):
        t = time.perf_counter()
        kid, ws = await gw.kernel()
        await execute(ws)
        times.append(since(t))
        await gw.delete(kid, ws)
    return times


async def warm(gw, n):
    kid, ws = await gw.kernel()
    for _ in range(5):
        await execute(ws)
    lat = []
    for _ in range(n):
        t = time.perf_counter()
        await execute(ws)
        lat.append(since(t))
    await gw.delete(kid, ws)
    return lat


async def throughput(gw, kernels, seconds):
    pairs = [await gw.kernel() for _ in range(kernels)]
    for _, ws in pairs:
        for _ in range(5):
            await execute(ws)
    lat = []
    end = time.perf_counter() + seconds

    async def worker(ws):
        while time.perf_counter() < end:
            t = time.perf_counter()
            await execute(ws)
            lat.append(since(t))

    t0 = time.perf_counter()
    await asyncio.gather(*(worker(ws) for _, ws in pairs))
    wall = time.perf_counter() - t0
    for kid, ws in pairs:
        await gw.delete(kid, ws)
    return {"rate": len(lat) / wall, "p50": pct(lat, 50), "p99": pct(lat, 99), "count": len(lat)}


async def idle(gw, n, settle):
    """PSS of the gateway's process tree before and after `n` kernels that each ran print(1) and sit idle."""
    before, _ = tree_pss_kb(gw.proc.pid)
    kids = []
    for _ in range(n):
        kid, ws = await gw.kernel()
        await execute(ws)
        await ws.close()
        kids.append(kid)
    await asyncio.sleep(settle)  # as for CodeBeaker's sessions: start-up garbage freed before reading memory
    after, procs = tree_pss_kb(gw.proc.pid)
    for kid in kids:
        await gw.delete(kid)
    return {"n": n, "beforeKB": before, "afterKB": after, "perKernelKB": (after - before) / max(1, n), "procs": procs}
