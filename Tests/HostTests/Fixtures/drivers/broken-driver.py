#!/usr/bin/python3
# Answers the handshake, but prints debug text on stdout, answers unknown methods with a result, crashes on
# malformed JSON and ignores stdin EOF: the conformance kit must fail it.
import json, sys, time
print("debug: starting up", flush=True)
for line in sys.stdin:
    msg = json.loads(line)
    if msg.get("method") == "handshake":
        caps = {"languages": [{"name": "broken"}], "runtimeType": "Broken", "isolationLevel": 0, "available": True}
        result = {"protocolVersion": 1, "driver": {"name": "broken", "version": "0"}, "capabilities": caps}
    else:
        result = {}
    print(json.dumps({"jsonrpc": "2.0", "id": msg.get("id"), "result": result}), flush=True)
time.sleep(30)
