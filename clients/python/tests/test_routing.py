"""Several hosts behind a proxy: the client reconnects to the `endpoint` session.create returned, and a dead
host gives SessionHostUnavailableError (the multi-host run with HAProxy is Tests/e2e/test_multihost.py)."""
import asyncio
import os
import signal
import socket

import pytest

from codebeaker import AsyncClient, ConnectError, SessionHostUnavailableError
from conftest import e2e

BUILD = e2e.BUILD


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def python_only(tmp_path):
    """Only the python driver: the server is ready when python is."""
    os.symlink(BUILD / "codebeaker-driver-python", tmp_path / "codebeaker-driver-python")
    return tmp_path


def test_reconnects_to_the_endpoint_and_reports_a_dead_host(start_server, tmp_path):
    port = free_port()
    srv = start_server("--port", str(port), "--host-id", "h9", "--public-url", f"ws://127.0.0.1:{port}/ws/jsonrpc",
                       drivers_dir=python_only(tmp_path))

    async def main():
        # Same origin, another path: the endpoint's URL must be the one used after a drop.
        async with AsyncClient(f"ws://127.0.0.1:{port}/ws/jsonrpc?client=test") as cb:
            s = await cb.create_session("python")
            assert s.id.startswith("s_h9_") and s.info.raw["route"] == "h9"
            assert cb.endpoint == f"ws://127.0.0.1:{port}/ws/jsonrpc?host=h9" and cb.route == "h9"
            await cb.drop_connection()
            assert (await s.run("print(6*7)")).stdout == "42\n"
            assert cb.connections == 2 and cb._ws.request.path == "/ws/jsonrpc?host=h9"
            srv.proc.send_signal(signal.SIGKILL)
            srv.proc.wait()
            await asyncio.wait_for(asyncio.gather(cb._reader, return_exceptions=True), 30)  # the drop is seen
            with pytest.raises(SessionHostUnavailableError) as e:
                await asyncio.wait_for(s.run("print(1)"), 30)
            assert isinstance(e.value, ConnectError) and e.value.route == "h9"
            assert "session's host is unavailable" in str(e.value)
    asyncio.run(main())


def test_an_endpoint_on_another_origin_is_not_followed(start_server, tmp_path):
    port = free_port()
    srv = start_server("--port", str(port), "--host-id", "h9", "--public-url", "wss://elsewhere.example/ws/jsonrpc",
                       drivers_dir=python_only(tmp_path))

    async def main():
        async with AsyncClient(srv.url) as cb:
            s = await cb.create_session("python")
            assert s.info.raw["endpoint"] == "wss://elsewhere.example/ws/jsonrpc?host=h9" and cb.endpoint is None
            await s.close()
    asyncio.run(main())


def test_without_a_host_id_nothing_is_pinned(server):
    async def main():
        async with AsyncClient(server.url) as cb:
            s = await cb.create_session("python")
            assert cb.endpoint is None and "route" not in s.info.raw
            await s.close()
    asyncio.run(main())
