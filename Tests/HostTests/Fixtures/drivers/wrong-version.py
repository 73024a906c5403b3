#!/usr/bin/python3
# Speaks only protocol version 2: answers the handshake with -32001.
import json, sys
for line in sys.stdin:
    msg = json.loads(line)
    err = {"code": -32001, "message": "protocol version mismatch: host speaks %s, driver speaks [2]" % msg["params"]["protocolVersions"]}
    print(json.dumps({"jsonrpc": "2.0", "id": msg["id"], "error": err}), flush=True)
