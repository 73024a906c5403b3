#!/usr/bin/python3
"""A well-behaved fake driver whose `execute` does what its code says:
   "echo N"  -> N output events (seq 0..N-1), then a result
   "crash"   -> one output event, then the process dies mid-request (exit 1)
   "hang"    -> no reply until cancelled (then cancelled:true)
   "caps X"  -> a capabilities.changed adding language X (or, for "caps !", a malformed one), then a result
FAKE_MODE=no-ping makes it ignore pings after the handshake."""
import json, os, sys, threading
lock = threading.Lock()
hung = {}
def send(msg):
    with lock:
        sys.stdout.write(json.dumps(dict(jsonrpc="2.0", **msg)) + "\n"); sys.stdout.flush()
def result(rid, stdout="", **extra):
    send({"id": rid, "result": dict({"exitCode": 0, "stdout": stdout, "stderr": ""}, **extra)})
for line in sys.stdin:
    msg = json.loads(line)
    rid, method, params = msg.get("id"), msg.get("method"), msg.get("params", {})
    if method == "handshake":
        caps = {"languages": [{"name": "fake", "aliases": ["fk"]}], "runtimeType": "Fake", "isolationLevel": 0,
                "interrupt": True, "streaming": True, "available": True}
        send({"id": rid, "result": {"protocolVersion": 1, "driver": {"name": "fake", "version": "1"}, "capabilities": caps}})
    elif method == "ping":
        if os.environ.get("FAKE_MODE") != "no-ping":
            send({"id": rid, "result": {}})
    elif method == "execute":
        code = params.get("code", "")
        if code.startswith("echo"):
            n = int(code.split()[1])
            for i in range(n):
                send({"method": "output", "params": {"request": rid, "session": params.get("session"), "stream": "stdout", "data": "%d\n" % i, "seq": i}})
            result(rid, "".join("%d\n" % i for i in range(n)))
        elif code == "crash":
            send({"method": "output", "params": {"request": rid, "session": params.get("session"), "stream": "stdout", "data": "bye\n", "seq": 0}})
            os._exit(1)
        elif code.startswith("caps "):
            lang = code.split()[1]
            caps = {"languages": [{"name": "fake"}, {"name": lang, "version": "9"}], "runtimeType": "Fake"}
            send({"method": "capabilities.changed", "params": {"capabilities": caps if lang != "!" else {"languages": 1}}})
            result(rid)
        elif code == "hang":
            hung[rid] = True
    elif method == "cancel":
        target = params.get("request")
        if hung.pop(target, None):
            result(target, cancelled=True, exitCode=None, signal=9, reason="cancelled")
            send({"id": rid, "result": {"cancelled": True}})
        else:
            send({"id": rid, "result": {"cancelled": False}})
    elif method == "shutdown":
        send({"id": rid, "result": {}})
    elif rid is not None:
        send({"id": rid, "error": {"code": -32601, "message": "method not found"}})
