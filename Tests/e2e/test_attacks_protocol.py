"""Protocol attacks over raw sockets and websockets, loopback only, every loop bounded: malformed JSON, a 100 MB
frame, slowloris, 2,000 connections, invalid UTF-8. The server must stay up with bounded memory and keep serving
other clients. (test_transport.py covers single-frame rules; these are the hostile, at-scale versions.)"""
import json
import os
import resource
import selectors
import socket
import struct
import time

import pytest
from websockets.sync.client import connect

from attacks_util import record
from test_transport import frame, raw_upgrade, read_frame


@pytest.fixture(scope="module")
def srv():
    from conftest import Server
    s = Server(wait_ready=False)
    yield s
    s.stop()


def rss_kb(srv, field="VmRSS"):
    for line in open(f"/proc/{srv.proc.pid}/status"):
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def still_serving(srv):
    assert srv.proc.poll() is None, srv.logs()[-3000:]
    assert srv.http("/health/live")[0] == 200
    with connect(srv.url, open_timeout=10) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize"}))
        assert json.loads(ws.recv(timeout=10))["id"] == 1


def gauge(srv, name):
    _, body = srv.http("/metrics")
    for line in body.decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(name)


# ---- malformed JSON ----

MALFORMED = {
    "truncated": ('{"jsonrpc": "2.0", "id": 1, "method": "initi', -32700),
    "not-json": ("hello", -32700),
    "trailing-garbage": ('{"jsonrpc":"2.0","id":1,"method":"initialize"} x', -32700),
    "null": ("null", -32600),
    "string": ('"initialize"', -32600),
    "empty-batch": ("[]", -32600),
    "no-method": ('{"jsonrpc":"2.0","id":1}', -32600),
    "wrong-version": ('{"jsonrpc":"1.0","id":1,"method":"initialize"}', -32600),
    "method-number": ('{"jsonrpc":"2.0","id":1,"method":42}', -32600),
    "deep-array": ("[" * 200_000 + "]" * 200_000, None),
    "deep-object": ('{"a":' * 100_000 + "1" + "}" * 100_000, None),
    "deep-params": ('{"jsonrpc":"2.0","id":1,"method":"initialize","params":' + "[" * 100_000 + "]" * 100_000 + "}", None),
    "huge-number": ('{"jsonrpc":"2.0","id":1e999999,"method":"initialize"}', None),
    "lone-surrogate": ('{"jsonrpc":"2.0","id":"\\ud800","method":"initialize"}', None),
    "bad-escape": ('{"jsonrpc":"2.0","id":1,"method":"init\\x"}', -32700),
    "nul-in-string": ('{"jsonrpc":"2.0","id":1,"method":"initialize\u0000"}', None),
    "dup-keys": ('{"jsonrpc":"2.0","id":1,"method":"nope","method":"initialize"}', None),
    "long-whitespace": (" " * (4 << 20) + "{}", -32600),
    "batch-of-garbage": ("[" + ",".join(["1"] * 5000) + "]", None),
}


@pytest.mark.parametrize("name", list(MALFORMED))
def test_malformed_json_gets_an_error_and_the_connection_lives(srv, name):
    text, code = MALFORMED[name]
    with connect(srv.url, open_timeout=10, max_size=None) as ws:
        ws.send(text)
        reply = json.loads(ws.recv(timeout=30))
        first = reply[0] if isinstance(reply, list) else reply
        assert "error" in first or "result" in first, reply
        if code is not None:
            assert first["error"]["code"] == code, first
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 77, "method": "initialize"}))
        deadline = time.monotonic() + 30
        while True:  # a batch may still be answering; find our reply
            m = json.loads(ws.recv(timeout=max(1, deadline - time.monotonic())))
            if isinstance(m, dict) and m.get("id") == 77:
                break
    still_serving(srv)
    got = first.get("error", {}).get("code", "ok")
    record(f"malformed JSON: {name}", "(protocol)", f"answered {got}, connection kept")


# ---- big frames ----

def test_100mb_frame_is_closed_1009_while_streaming_and_memory_stays_bounded(srv):
    before = rss_kb(srv)
    s, head = raw_upgrade(srv.port)
    assert " 101 " in head
    s.sendall(bytes([0x81, 0xFF]) + struct.pack("!Q", 100 << 20) + os.urandom(4))
    sent, chunk, closed_at = 0, os.urandom(1 << 20), None
    s.settimeout(0.05)
    got = b""
    try:
        while sent < (100 << 20):  # keep sending the payload until the server closes on us
            try:
                s.sendall(chunk)
                sent += len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                break
            except socket.timeout:
                pass
            try:
                data = s.recv(65536)
                if not data:
                    break
                got += data
                if len(got) >= 4:
                    break
            except socket.timeout:
                pass
    finally:
        closed_at = sent
        s.close()
    assert got[:4] == bytes([0x88, 0x02]) + struct.pack("!H", 1009), got[:16]
    assert closed_at < (20 << 20), f"server read {closed_at >> 20} MB before refusing"
    time.sleep(0.2)
    grown = rss_kb(srv) - before
    assert grown < 32 << 10, f"RSS grew by {grown} kB"
    still_serving(srv)
    record("100 MB frame", "(protocol)", f"contained: closed 1009 after {closed_at >> 20} MB sent; RSS +{grown >> 10} MB")


def test_fragments_past_the_message_limit_close_1009_with_bounded_memory(srv):
    before = rss_kb(srv)
    s, _ = raw_upgrade(srv.port)
    part = b"x" * (1 << 20)
    # A zero masking key is legal and keeps the test from spending seconds masking 1 MB in Python.
    head = struct.pack("!BBQ", 0x00, 0x80 | 127, len(part)) + b"\0\0\0\0"
    cont = head + part
    s.sendall(bytes([0x01]) + cont[1:])  # first fragment: text, not final
    s.settimeout(2)
    try:
        for _ in range(40):  # 41 MB in 1 MB fragments; the cap is 16 MB
            s.sendall(cont)
    except OSError:  # reset, broken pipe, or the server stopped reading (timeout)
        pass
    s.settimeout(10)
    try:
        code = read_frame(s)
    except (ConnectionResetError, ValueError):
        code = None
    s.close()
    assert code == (0x8, struct.pack("!H", 1009)), code
    grown = rss_kb(srv) - before
    assert grown < 48 << 10, f"RSS grew by {grown} kB"
    still_serving(srv)
    record("fragmented message past the 16 MB cap", "(protocol)", f"contained: closed 1009; RSS +{grown >> 10} MB")


# ---- invalid UTF-8 ----

BAD_UTF8 = {"lone-continuation": b"\x80", "overlong-slash": b"\xc0\xaf", "surrogate": b"\xed\xa0\x80",
            "above-max": b"\xf4\x90\x80\x80", "truncated": b"\xe2\x82", "ff": b"\xff"}


@pytest.mark.parametrize("name", list(BAD_UTF8))
def test_invalid_utf8_text_closes_1007(srv, name):
    s, _ = raw_upgrade(srv.port)
    s.sendall(frame(0x1, b'{"jsonrpc":"2.0","id":1,"method":"' + BAD_UTF8[name] + b'"}'))
    s.settimeout(10)
    assert read_frame(s) == (0x8, struct.pack("!H", 1007))
    s.close()
    still_serving(srv)
    record(f"invalid UTF-8 in a text frame: {name}", "(protocol)", "contained: closed 1007")


# ---- slowloris ----

def test_slowloris_connections_are_dropped_and_others_are_served_meanwhile(srv):
    socks = []
    for i in range(50):
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=5)
        s.sendall(b"GET /ws/jsonrpc HTTP/1.1\r\nHost: x\r\n")
        socks.append(s)
    start = time.monotonic()
    still_serving(srv)  # while 50 heads dribble in
    open_ = set(range(len(socks)))
    deadline = start + 20
    while open_ and time.monotonic() < deadline:
        for i in list(open_):
            try:
                socks[i].sendall(b"X-a: b\r\n")
            except OSError:
                open_.discard(i)
                continue
            socks[i].settimeout(0.01)
            try:
                data = socks[i].recv(4096)
                assert data == b"" or data.startswith(b"HTTP/1.1 408 "), data[:100]
                open_.discard(i)  # a 408, or EOF: the server gave up on it
            except socket.timeout:
                pass
            except OSError:
                open_.discard(i)
        time.sleep(0.5)
    elapsed = time.monotonic() - start
    for s in socks:
        s.close()
    assert not open_, f"{len(open_)} slow connections still open after {elapsed:.1f} s"
    still_serving(srv)
    record("slowloris (50 connections, 1 header line / 0.5 s)", "(protocol)", f"contained: all dropped within {elapsed:.0f} s (408)")


# ---- many connections ----

def test_2000_concurrent_websockets_are_served_and_released(srv):
    n = 2000
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < n + 200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, n + 500), hard))
    base = gauge(srv, "codebeaker_websocket_connections")
    sel = selectors.DefaultSelector()
    socks = []
    req = (b"GET /ws/jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
    start = time.monotonic()
    try:
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(req)
            s.setblocking(False)
            socks.append(s)
            sel.register(s, selectors.EVENT_READ, i)
        bufs = [b""] * n
        upgraded = set()
        deadline = time.monotonic() + 60
        while len(upgraded) < n and time.monotonic() < deadline:
            for key, _ in sel.select(timeout=1):
                i = key.data
                data = key.fileobj.recv(4096)
                bufs[i] += data
                if b"\r\n\r\n" in bufs[i]:
                    assert bufs[i].startswith(b"HTTP/1.1 101"), bufs[i][:100]
                    upgraded.add(i)
                    sel.unregister(key.fileobj)
                    bufs[i] = b""
                elif not data:
                    raise AssertionError(f"connection {i} closed during the handshake")
        assert len(upgraded) == n, f"{len(upgraded)} of {n} upgraded"
        # Every connection asks something and gets its answer.
        for i, s in enumerate(socks):
            s.setblocking(True)
            s.sendall(frame(0x1, json.dumps({"jsonrpc": "2.0", "id": i, "method": "language.list"}).encode()))
        for i, s in enumerate(socks):
            s.settimeout(30)
            op, payload = read_frame(s)
            assert op == 0x1 and json.loads(payload)["id"] == i
        assert gauge(srv, "codebeaker_websocket_connections") >= base + n
        still_serving(srv)
        elapsed = time.monotonic() - start
    finally:
        for s in socks:
            s.close()
    deadline = time.monotonic() + 20
    while gauge(srv, "codebeaker_websocket_connections") > base and time.monotonic() < deadline:
        time.sleep(0.1)
    assert gauge(srv, "codebeaker_websocket_connections") <= base
    record("2,000 concurrent WebSocket connections", "(protocol)", f"served: all answered in {elapsed:.1f} s, released after")


def test_a_client_that_never_reads_cannot_grow_server_memory(srv):
    """Requests keep coming but the answers are never read: the server must stop reading (back-pressure) or
    drop the connection, not buffer without bound."""
    before = rss_kb(srv, "VmRSS")
    s, _ = raw_upgrade(srv.port)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    req = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize"}).encode()
    one = struct.pack("!BB", 0x81, 0x80 | len(req)) + b"\0\0\0\0" + req  # zero mask key: payload as is
    batch = one * 1000
    s.settimeout(2)
    sent = 0
    try:
        while sent < (64 << 20):
            s.sendall(batch)
            sent += len(batch)
    except OSError:  # blocked (the server stopped reading) or dropped
        pass
    grown = rss_kb(srv, "VmRSS") - before
    still_serving(srv)
    s.close()
    assert sent < (64 << 20), "the server read 64 MB of requests whose answers were never read"
    assert grown < 48 << 10, f"RSS grew by {grown} kB"  # was ~180 MB before the in-flight cap
    record("slow reader (requests sent, answers never read)", "(protocol)",
           f"contained: server stopped reading after {sent >> 20} MB; RSS +{grown >> 10} MB")
