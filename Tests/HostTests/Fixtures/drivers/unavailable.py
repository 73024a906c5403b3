#!/usr/bin/python3
# Its runtime is "missing": answers the handshake with available:false, then waits for stdin EOF.
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("method") == "handshake":
        caps = {"languages": [{"name": "cobol"}], "runtimeType": "Cobol", "isolationLevel": 0, "available": False,
                "unavailableReason": "cobc not found on PATH", "installHint": "apt-get install gnucobol"}
        result = {"protocolVersion": 1, "driver": {"name": "cobol", "version": "0.0.1"}, "capabilities": caps}
    else:
        result = {}
    print(json.dumps({"jsonrpc": "2.0", "id": msg.get("id"), "result": result}), flush=True)
