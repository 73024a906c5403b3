#!/usr/bin/python3
# Its runtime is "installed" once the file named by FAKE_MARKER exists.
import json, os, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("method") == "handshake":
        ok = os.path.exists(os.environ.get("FAKE_MARKER", "/nonexistent"))
        caps = {"languages": [{"name": "later"}], "runtimeType": "Later", "isolationLevel": 0, "available": ok}
        if not ok:
            caps.update(unavailableReason="later not installed", installHint="touch the marker")
        result = {"protocolVersion": 1, "driver": {"name": "later", "version": "1"}, "capabilities": caps}
    else:
        result = {}
    print(json.dumps({"jsonrpc": "2.0", "id": msg.get("id"), "result": result}), flush=True)
