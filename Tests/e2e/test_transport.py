"""Transport end-to-end: the real `codebeaker` binary driven by python `websockets` and raw sockets.
Covers the WebSocket handshake, framing rules, close handshake, limits, slowloris and many connections."""
import asyncio
import base64
import json
import os
import socket
import struct
import time

import pytest
import websockets
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


@pytest.fixture(scope="module")
def transport_server():
    from conftest import Server
    s = Server(wait_ready=False)
    yield s
    s.stop()


def initialize_request(rid=1):
    return json.dumps({"jsonrpc": "2.0", "id": rid, "method": "initialize", "params": {}})


# ---- raw socket helpers ----

def raw_upgrade(port, extra_headers="", key=None, version="13", path="/ws/jsonrpc"):
    key = key or base64.b64encode(os.urandom(16)).decode()
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall((f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Version: {version}\r\nSec-WebSocket-Key: {key}\r\n{extra_headers}\r\n").encode())
    return s, read_head(s)


def read_head(s):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = s.recv(1)
        if not chunk:
            break
        data += chunk
    return data.decode("latin-1")


def read_exact(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            break
        data += chunk
    return data


def read_to_eof(s):
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            return data
        data += chunk


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    m = 0x80 if mask else 0
    if n < 126:
        head += bytes([m | n])
    elif n < 65536:
        head += bytes([m | 126]) + struct.pack("!H", n)
    else:
        head += bytes([m | 127]) + struct.pack("!Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + bytes(b ^ key[i % 4] for i, b in enumerate(payload))


def read_frame(s):
    b0, b1 = read_exact(s, 2)
    n = b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", read_exact(s, 2))[0]
    elif n == 127:
        n = struct.unpack("!Q", read_exact(s, 8))[0]
    return b0 & 0x0F, read_exact(s, n)


# ---- handshake ----

def test_handshake_accept_value_and_initialize(transport_server):
    s, head = raw_upgrade(transport_server.port, key="dGhlIHNhbXBsZSBub25jZQ==")
    assert head.startswith("HTTP/1.1 101 ")
    assert "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n" in head
    s.sendall(frame(0x1, initialize_request().encode()))
    op, payload = read_frame(s)
    assert op == 0x1
    reply = json.loads(payload)
    assert reply["id"] == 1 and reply["result"]["name"] == "codebeaker"
    s.close()


def test_python_websockets_client_initialize(transport_server):
    with connect(transport_server.url) as ws:
        ws.send(initialize_request(7))
        reply = json.loads(ws.recv(timeout=10))
        assert reply["id"] == 7 and "capabilities" in reply["result"]


@pytest.mark.parametrize("version,status", [("12", 426), ("", 426)])
def test_bad_version_gets_426_with_supported_version(transport_server, version, status):
    s, head = raw_upgrade(transport_server.port, version=version)
    assert head.startswith(f"HTTP/1.1 {status} ")
    assert "Sec-WebSocket-Version: 13\r\n" in head
    s.close()


@pytest.mark.parametrize("request_text", [
    "POST /ws/jsonrpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    "GET /ws/jsonrpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
    "GET /ws/jsonrpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n\r\n",
    "GET /ws/jsonrpc HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: short\r\n\r\n",
], ids=["POST", "no-connection-upgrade", "no-key", "bad-key"])
def test_bad_handshake_gets_400(transport_server, request_text):
    s = socket.create_connection(("127.0.0.1", transport_server.port), timeout=10)
    s.sendall(request_text.encode())
    assert read_head(s).startswith("HTTP/1.1 400 ")
    s.close()


# ---- messages ----

def test_fragmented_client_message_is_reassembled(transport_server):
    with connect(transport_server.url) as ws:
        text = initialize_request(3)
        ws.send([text[:10], text[10:25], text[25:]])  # an iterable is sent as fragments
        assert json.loads(ws.recv(timeout=10))["id"] == 3


def test_fragments_with_a_ping_in_between_over_raw_socket(transport_server):
    s, _ = raw_upgrade(transport_server.port)
    text = initialize_request(4).encode()
    s.sendall(frame(0x1, text[:5], fin=False) + frame(0x9, b"mid") + frame(0x0, text[5:]))
    assert read_frame(s) == (0xA, b"mid")
    op, payload = read_frame(s)
    assert op == 0x1 and json.loads(payload)["id"] == 4
    s.close()


def test_ping_gets_pong(transport_server):
    with connect(transport_server.url) as ws:
        assert ws.ping(b"hello").wait(5)


def test_close_handshake_echoes_code(transport_server):
    s, _ = raw_upgrade(transport_server.port)
    s.sendall(frame(0x8, struct.pack("!H", 1000) + b"bye"))
    assert read_frame(s) == (0x8, struct.pack("!H", 1000))
    assert read_to_eof(s) == b""
    s.close()


def test_python_client_close_is_clean(transport_server):
    with connect(transport_server.url) as ws:
        ws.close(4000, "done")
        # The server echoed our code in its own close frame.
        assert ws.protocol.close_rcvd is not None and ws.protocol.close_rcvd.code == 4000


def test_oversized_message_closes_1009(transport_server):
    with connect(transport_server.url, max_size=None) as ws:
        ws.send("x" * ((16 << 20) + 1))
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=20)
        assert ws.close_code == 1009


def test_oversized_header_closes_1009_before_payload(transport_server):
    s, _ = raw_upgrade(transport_server.port)
    # Header alone claims 1 GiB; no payload is ever sent.
    s.sendall(bytes([0x82, 0xFF]) + struct.pack("!Q", 1 << 30) + os.urandom(4))
    assert read_frame(s) == (0x8, struct.pack("!H", 1009))
    s.close()


def test_invalid_utf8_closes_1007(transport_server):
    s, _ = raw_upgrade(transport_server.port)
    s.sendall(frame(0x1, b"\xce", fin=False) + frame(0x0, b"\x41"))  # split, then invalid continuation
    assert read_frame(s) == (0x8, struct.pack("!H", 1007))
    assert read_to_eof(s) == b""
    s.close()


def test_unmasked_frame_closes_1002_exact_bytes(transport_server):
    s, _ = raw_upgrade(transport_server.port)
    s.sendall(frame(0x1, b"hi", mask=False))
    assert read_to_eof(s) == bytes([0x88, 0x02, 0x03, 0xEA])
    s.close()


@pytest.mark.parametrize("bad", [frame(0x1, b"x", rsv=4), frame(0x3, b""), frame(0x9, b"", fin=False),
                                 frame(0x9, b"x" * 126), frame(0x0, b"x")],
                         ids=["rsv1", "opcode3", "fragmented-ping", "big-ping", "lone-continuation"])
def test_protocol_violations_close_1002(transport_server, bad):
    s, _ = raw_upgrade(transport_server.port)
    s.sendall(bad)
    assert read_frame(s) == (0x8, struct.pack("!H", 1002))
    s.close()


def test_invalid_close_code_closes_1002(transport_server):
    s, _ = raw_upgrade(transport_server.port)
    s.sendall(frame(0x8, struct.pack("!H", 1005)))
    assert read_frame(s) == (0x8, struct.pack("!H", 1002))
    s.close()


def test_binary_utf8_message_is_handled_as_text(transport_server):
    with connect(transport_server.url) as ws:
        ws.send(initialize_request(9).encode())
        assert json.loads(ws.recv(timeout=10))["id"] == 9


# ---- HTTP ----

def test_http_unknown_path_404_and_health_live(transport_server):
    assert transport_server.http("/health/live")[0] == 200
    assert transport_server.http("/definitely/not/here")[0] == 404


def test_http_pipelined_requests_answered_in_order(transport_server):
    s = socket.create_connection(("127.0.0.1", transport_server.port), timeout=10)
    s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
              b"GET /health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    data = read_to_eof(s).decode()
    assert [p[:3] for p in data.split("HTTP/1.1 ")[1:]] == ["200", "404", "200"]


@pytest.mark.parametrize("raw,status", [
    (b"GET /" + b"a" * 9000 + b" HTTP/1.1\r\n\r\n", 414),
    (b"GET / HTTP/1.1\r\nX: " + b"a" * 17000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"".join(b"H%d: v\r\n" % i for i in range(101)) + b"\r\n", 431),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
    (b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
    (b"GARBAGE\r\n\r\n", 400),
], ids=["long-request-line", "big-headers", "many-headers", "big-body", "cl-and-te", "garbage"])
def test_http_limits_answered_then_closed(transport_server, raw, status):
    s = socket.create_connection(("127.0.0.1", transport_server.port), timeout=10)
    s.sendall(raw)
    data = read_to_eof(s)
    assert data.startswith(f"HTTP/1.1 {status} ".encode())


def test_slowloris_headers_get_closed(transport_server):
    s = socket.create_connection(("127.0.0.1", transport_server.port), timeout=30)
    start = time.monotonic()
    s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n")
    for _ in range(3):
        time.sleep(1)
        s.sendall(b"X-Slow: 1\r\n")
    data = read_to_eof(s)
    elapsed = time.monotonic() - start
    assert data.startswith(b"HTTP/1.1 408 ")
    assert 9 <= elapsed <= 13  # the default header timeout is 10 s


# ---- many connections ----

def test_200_concurrent_connections_initialize(transport_server):
    async def one(i):
        async with websockets.connect(transport_server.url, open_timeout=20) as ws:
            await ws.send(initialize_request(i))
            reply = json.loads(await asyncio.wait_for(ws.recv(), 20))
            assert reply["id"] == i
            return i

    async def main():
        return await asyncio.gather(*(one(i) for i in range(200)))

    assert sorted(asyncio.run(main())) == list(range(200))
