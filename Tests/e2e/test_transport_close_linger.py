"""After a protocol error the host sends its close frame, half-closes and keeps reading (and discarding)
what the client is still sending, so the client reads the close code instead of a TCP reset (issue 12, #6)."""
import asyncio

import pytest
import websockets
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

RUNS = 20
PAYLOAD = "x" * (20 << 20)  # over the 16 MiB default message limit


@pytest.fixture(scope="module")
def linger_server():
    from conftest import Server
    s = Server(wait_ready=False)
    yield s
    s.stop()


def sync_run(url):
    with connect(url, max_size=None, open_timeout=10, close_timeout=10) as ws:
        try:
            ws.send(PAYLOAD)
            ws.recv(timeout=20)
        except ConnectionClosed:
            pass
        return ws.close_code, ws.protocol.close_rcvd.code if ws.protocol.close_rcvd else None


async def async_run(url):
    async with websockets.connect(url, max_size=None, open_timeout=10, close_timeout=10) as ws:
        try:
            await ws.send(PAYLOAD)
            await asyncio.wait_for(ws.recv(), 20)
        except ConnectionClosed:
            pass
        return ws.close_code, ws.protocol.close_rcvd.code if ws.protocol.close_rcvd else None


def test_20mib_message_sees_1009_every_time_sync_client(linger_server):
    results = [sync_run(linger_server.url) for _ in range(RUNS)]
    assert results == [(1009, 1009)] * RUNS, results


def test_20mib_message_sees_1009_every_time_asyncio_client(linger_server):
    async def main():
        return [await async_run(linger_server.url) for _ in range(RUNS)]
    results = asyncio.run(main())
    assert results == [(1009, 1009)] * RUNS, results
