#!/usr/bin/python3
"""A minimal third-party driver whose behaviour is picked by the name it is installed under
(codebeaker-driver-<mode>) or by THIRDPARTY_MODE:
   stall      handshake, then never answers anything again (not even pings)
   failopen   session.open fails with a reason of its own
   counter    cannot re-adopt: every session.open builds a new environment (takes 0.5 s) and is logged to
              $THIRDPARTY_LOG as "<pid> <session> <handle>"; execute on an unknown session answers -32000
   nulstderr  writes NUL, ESC and BEL to stderr at start, then behaves like counter
Requests are handled on threads, so a slow session.open does not hold up other requests."""
import json, os, sys, threading, time

name = os.path.basename(sys.argv[0])
MODE = os.environ.get("THIRDPARTY_MODE") or (name.split("codebeaker-driver-", 1)[1] if "codebeaker-driver-" in name else "counter")
lock = threading.Lock()
envs = {}  # session -> handle of the environment built in this process


def send(msg):
    with lock:
        sys.stdout.write(json.dumps(dict(jsonrpc="2.0", **msg)) + "\n")
        sys.stdout.flush()


def log_open(session, handle):
    path = os.environ.get("THIRDPARTY_LOG")
    if path:
        with open(path, "a") as f:
            f.write("%d %s %s\n" % (os.getpid(), session, handle))


def handle(rid, method, params):
    if method == "session.open":
        if MODE == "failopen":
            send({"id": rid, "error": {"code": -32603, "message": "cannot create environment: quota of 0 environments reached"}})
            return
        session = params.get("session")
        time.sleep(0.5)  # building an environment takes a while; a second open builds a second one
        handle = "env-%d-%s-%d" % (os.getpid(), session, len(envs))
        log_open(session, handle)
        with lock:
            envs[session] = handle
        send({"id": rid, "result": {"handle": handle}})
    elif method in ("execute", "shell"):
        session = params.get("session")
        with lock:
            known = session in envs
        if not known:
            send({"id": rid, "error": {"code": -32000, "message": "session not found: %s" % session}})
            return
        send({"id": rid, "result": {"exitCode": 0, "stdout": "ok %d\n" % os.getpid(), "stderr": ""}})
    elif method == "session.close":
        with lock:
            envs.pop(params.get("session"), None)
        send({"id": rid, "result": {}})
    elif method == "cancel":
        send({"id": rid, "result": {"cancelled": False}})
    elif method == "shutdown":
        send({"id": rid, "result": {}})
    elif rid is not None:
        send({"id": rid, "error": {"code": -32601, "message": "method not found"}})


if MODE == "nulstderr":
    sys.stderr.write("before\x00after \x1b[31mred\x07 done\n")
    sys.stderr.flush()
stalled = False
for line in sys.stdin:
    msg = json.loads(line)
    rid, method, params = msg.get("id"), msg.get("method"), msg.get("params", {})
    if stalled:
        continue
    if method == "handshake":
        caps = {"languages": [{"name": MODE, "aliases": []}], "runtimeType": MODE.capitalize(), "isolationLevel": 0,
                "interrupt": False, "streaming": False, "available": True}
        send({"id": rid, "result": {"protocolVersion": 1, "driver": {"name": MODE, "version": "1"}, "capabilities": caps}})
        stalled = MODE == "stall"
    elif method == "ping":
        send({"id": rid, "result": {}})
    else:
        threading.Thread(target=handle, args=(rid, method, params), daemon=True).start()
