"""After a protocol error the host sends its close frame, half-closes and keeps reading (and discarding)
what the client is still sending, so the client reads the close code instead of a TCP reset (issue 12, #6).
Before the fix the host closed 2 s after its close frame whatever the client was doing: a client still
sending got a reset (EPIPE on its side) and often reported 1006 instead of 1009."""
import asyncio
import socket
import struct
import time

import pytest
import websockets
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from test_transport import raw_upgrade, read_frame, read_to_eof

RUNS = 20
SIZE = 20 << 20  # over the 16 MiB default message limit
PAYLOAD = "x" * SIZE
CHUNK = 256 << 10
PAUSE = 0.04  # between chunks: ~6 MiB/s, so 20 MiB takes ~3.5 s, longer than the 2 s close wait


@pytest.fixture(scope="module")
def linger_server():
    from conftest import Server
    s = Server(wait_ready=False)
    yield s
    s.stop()


class SlowSocket(socket.socket):
    """A client on a slow link: large writes go out in 256 KiB pieces with a pause between them."""

    def sendall(self, data, *args):
        view = memoryview(data)
        for i in range(0, len(view), CHUNK):
            super().sendall(view[i:i + CHUNK], *args)
            if len(view) > 4 * CHUNK:
                time.sleep(PAUSE)


def sync_run(url, sock=None):
    with connect(url, sock=sock, max_size=None, open_timeout=10, close_timeout=10) as ws:
        try:
            ws.send(PAYLOAD)
            ws.recv(timeout=20)
        except ConnectionClosed:
            pass
        return ws.close_code


async def async_run(url):
    ws = await websockets.connect(url, max_size=None, open_timeout=10, close_timeout=10)
    try:
        await ws.send(PAYLOAD)
        await asyncio.wait_for(ws.recv(), 20)
    except ConnectionClosed:
        pass
    return ws.close_code


def test_slow_sender_is_drained_then_sees_1009_and_eof(linger_server):
    s, head = raw_upgrade(linger_server.port)
    assert head.startswith("HTTP/1.1 101 ")
    s.sendall(bytes([0x81, 0xFF]) + struct.pack("!Q", SIZE) + b"\0\0\0\0")  # masked text frame, 20 MiB declared
    chunk = b"x" * CHUNK
    start = time.monotonic()
    for _ in range(SIZE // CHUNK):
        s.sendall(chunk)  # raised BrokenPipeError/ConnectionResetError at ~2 s before the fix
        time.sleep(PAUSE)
    assert time.monotonic() - start > 2.5  # longer than the close wait: only lingering keeps us connected
    assert read_frame(s) == (0x8, struct.pack("!H", 1009))
    s.shutdown(socket.SHUT_WR)
    assert read_to_eof(s) == b""  # then the host's FIN, not a reset
    s.close()


def test_slow_python_client_sees_1009(linger_server):
    codes = []
    for _ in range(3):
        sock = SlowSocket(socket.AF_INET, socket.SOCK_STREAM)
        sock.connect(("127.0.0.1", linger_server.port))
        codes.append(sync_run(linger_server.url, sock))
    assert codes == [1009] * 3


def test_20mib_message_sees_1009_every_time_sync_client(linger_server):
    codes = [sync_run(linger_server.url) for _ in range(RUNS)]
    assert codes == [1009] * RUNS


def test_20mib_message_sees_1009_every_time_asyncio_client(linger_server):
    async def main():
        return [await async_run(linger_server.url) for _ in range(RUNS)]
    assert asyncio.run(main()) == [1009] * RUNS
