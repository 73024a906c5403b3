"""A tiny synchronous JSON-RPC 2.0 client over WebSocket (python `websockets`), for tests and benches."""
import itertools
import json
import time

from websockets.sync.client import connect


class RPCError(Exception):
    def __init__(self, error):
        super().__init__(f"{error.get('code')}: {error.get('message')} {error.get('data', '')}")
        self.code = error.get("code")
        self.message = error.get("message")
        self.data = error.get("data")


class Client:
    def __init__(self, url, headers=None, subprotocols=None, max_size=2**26):
        self.ws = connect(url, additional_headers=headers, subprotocols=subprotocols, max_size=max_size,
                          open_timeout=10, close_timeout=5).__enter__()
        self.ids = itertools.count(1)
        self.notifications = []
        self.pending = {}
        self.sessions = []

    def send_raw(self, text):
        self.ws.send(text)

    def recv_json(self, timeout=60):
        return json.loads(self.ws.recv(timeout=timeout))

    def request(self, method, params=None, timeout=60):
        """Sends a request and returns the whole response object, collecting notifications on the way."""
        rid = next(self.ids)
        msg = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        self.ws.send(json.dumps(msg))
        return self.wait_for(rid, timeout)

    def wait_for(self, rid, timeout=60):
        if rid in self.pending:
            return self.pending.pop(rid)
        while True:
            m = self.recv_json(timeout)
            if isinstance(m, dict) and "id" not in m and "method" in m:
                self.notifications.append(m)
                continue
            if isinstance(m, dict) and m.get("id") == rid:
                return m
            if isinstance(m, dict):
                self.pending[m.get("id")] = m

    def call(self, method, params=None, timeout=60):
        r = self.request(method, params, timeout)
        if "error" in r:
            raise RPCError(r["error"])
        return r["result"]

    def session(self, language="python", **params):
        params["language"] = language
        sid = self.call("session.create", params)["sessionId"]
        self.sessions.append(sid)
        return sid

    def session_when_ready(self, language="python", timeout=30, **params):
        """`session`, retried while the server answers with an error (its drivers may still be starting)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self.session(language, **params)
            except RPCError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def execute(self, session_id, command, timeout=60, **extra):
        params = {"sessionId": session_id, "command": command}
        params.update(extra)
        return self.call("session.execute", params, timeout)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self, close_sessions=True):
        """Closes the sessions this client created (servers cap sessions per principal), then the socket."""
        try:
            if close_sessions:
                for sid in self.sessions:
                    self.request("session.close", {"sessionId": sid}, timeout=30)
            self.ws.close()
        except Exception:
            pass


def refusal_text(fn):
    """The error of a refused call, whether it came back as a JSON-RPC error or a failed result."""
    try:
        r = fn()
    except RPCError as e:
        return f"{e.message} {json.dumps(e.data)}"
    assert r["success"] is False, r
    return json.dumps(r)
