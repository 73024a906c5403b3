"""SIGTERM: the host stops accepting, closes WebSockets with 1001 (close handshake), and exits 0 promptly."""
import signal
import time

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def test_sigterm_closes_websockets_with_1001_and_exits_zero():
    from conftest import Server
    s = Server(wait_ready=False)
    try:
        clients = [connect(s.url, open_timeout=10).__enter__() for _ in range(3)]
        start = time.monotonic()
        s.proc.send_signal(signal.SIGTERM)
        for ws in clients:
            with pytest.raises(ConnectionClosed):
                ws.recv(timeout=10)
            assert ws.close_code == 1001
        assert s.proc.wait(timeout=10) == 0
        assert time.monotonic() - start < 6
    finally:
        s.stop()
