"""A minimal driver-protocol client over stdio, shared by the exec bench and the integration tests."""
import json, os, select, subprocess, time


class Driver:
    def __init__(self, path, env=None):
        self.p = subprocess.Popen([path], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=None, env=env)
        self.next_id = 1
        self.buf = b""
        self.pending = {}
        self.events = {}

    def send(self, method, params=None, rid=None):
        if rid is None:
            rid = self.next_id
            self.next_id += 1
        msg = {"jsonrpc": "2.0", "id": rid, "method": method, "params": params or {}}
        self.p.stdin.write((json.dumps(msg) + "\n").encode())
        self.p.stdin.flush()
        return rid

    def send_raw(self, line):
        self.p.stdin.write(line)
        self.p.stdin.flush()

    def read_message(self, timeout=30):
        fd = self.p.stdout.fileno()
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no message from driver")
            r, _, _ = select.select([fd], [], [], left)
            if r:
                data = os.read(fd, 1 << 20)
                if not data:
                    raise EOFError("driver closed stdout")
                self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def wait(self, rid, timeout=30):
        """The response to rid; events for it are stored in self.events[rid]."""
        if rid in self.pending:
            return self.pending.pop(rid)
        deadline = time.monotonic() + timeout
        while True:
            m = self.read_message(max(0.001, deadline - time.monotonic()))
            if "id" not in m or m.get("method"):
                rq = m.get("params", {}).get("request")
                self.events.setdefault(rq, []).append(m)
                continue
            if m["id"] == rid:
                return m
            self.pending[m["id"]] = m

    def call(self, method, params=None, timeout=30):
        return self.wait(self.send(method, params), timeout)

    def handshake(self):
        return self.call("handshake", {"protocolVersions": [1], "host": {"name": "test", "version": "0"}})

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.p.stdin.close()
        except Exception:
            pass
        return self.p.wait(10)
