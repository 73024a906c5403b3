"""Connections: reconnection that keeps the session, tokens, wrong URLs and a server that goes away."""
import asyncio
import os
import signal
import socket

import pytest

import codebeaker
from codebeaker import AsyncClient, AuthenticationError, ConnectError, ConnectionLostError

TOKEN = "tok-" + os.urandom(12).hex()


def test_reconnect_keeps_the_session(cb):
    s = cb.create_session("python")
    s.write_file("keep.txt", "still here")
    assert cb.connections == 1
    cb.drop_connection()
    assert s.read_file("keep.txt") == "still here"  # the next call reconnected
    assert s.run("print(open('keep.txt').read())").stdout == "still here\n"
    assert cb.connections == 2
    s.close()


def test_a_session_outlives_its_client(server):
    with codebeaker.Client(server.url) as a:
        sid = a.create_session("python").id
        a.session(sid).write_file("x.txt", "from a")
    with codebeaker.Client(server.url) as b:
        with b.session(sid) as s:
            assert s.read_file("x.txt") == "from a"


def test_an_execution_in_flight_when_the_connection_drops_raises_connection_lost(server):
    async def main():
        async with AsyncClient(server.url) as cb:
            s = await cb.create_session("python")
            ex = await s.start("print('go', flush=True)\nimport time\ntime.sleep(60)")
            assert (await ex.__aiter__().__anext__()).data == "go\n"
            await cb.drop_connection()
            with pytest.raises(ConnectionLostError):
                await asyncio.wait_for(ex.result(), 30)  # the bound only guards against a hang
            r = await s.run("print(2)")  # reconnected; the server cancelled the old execution
            assert r.stdout == "2\n"
            await s.close()
    asyncio.run(main())


@pytest.fixture(scope="module")
def token_server():
    from conftest import Server
    s = Server(env={"CODEBEAKER_TOKENS": f"alice:{TOKEN}"})
    yield s
    s.stop()


@pytest.mark.parametrize("auth", ["header", "subprotocol"])
def test_token_auth(token_server, auth):
    with codebeaker.Client(token_server.url, token=TOKEN, auth=auth) as cb:
        assert cb.run("python", "print(1)").stdout == "1\n"


@pytest.mark.parametrize("token", [None, "wrong"])
def test_a_missing_or_refused_token_raises_authentication_error(token_server, token):
    with pytest.raises(AuthenticationError) as e:
        codebeaker.Client(token_server.url, token=token)
    assert e.value.status == 401 and TOKEN not in str(e.value)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("url", ["nothing-listening", "wrong-path", "not-a-url"])
def test_a_wrong_url_raises_connect_error(server, url):
    target = {"nothing-listening": f"ws://127.0.0.1:{free_port()}/ws/jsonrpc",
              "wrong-path": f"ws://127.0.0.1:{server.port}/nope",
              "not-a-url": "http//127.0.0.1"}[url]
    with pytest.raises(ConnectError) as e:
        codebeaker.Client(target, connect_timeout=10)
    assert not isinstance(e.value, AuthenticationError)
    if url == "wrong-path":
        assert e.value.status == 404, e.value


def test_a_server_killed_mid_run_raises_connection_lost_then_connect_error(start_server):
    srv = start_server()

    async def main():
        async with AsyncClient(srv.url) as cb:
            s = await cb.create_session("python")
            ex = await s.start("print('go', flush=True)\nimport time\ntime.sleep(60)")
            assert (await ex.__aiter__().__anext__()).data == "go\n"
            srv.proc.send_signal(signal.SIGKILL)
            with pytest.raises(ConnectionLostError):
                await asyncio.wait_for(ex.result(), 30)
            with pytest.raises(ConnectError):  # reconnecting finds nobody
                await asyncio.wait_for(s.run("print(1)"), 30)
    asyncio.run(main())


def test_reconnect_off_raises_connection_lost(server):
    with codebeaker.Client(server.url, reconnect=False) as cb:
        cb.drop_connection()
        with pytest.raises(ConnectionLostError):
            cb.list_sessions()


def test_limits_raise_rate_limit_and_rejected_errors(start_server, tmp_path):
    config = tmp_path / "config.json"
    config.write_text('{"security": {"maxSessionsPerPrincipal": 1, "maxCodeLength": 100}}')
    srv = start_server("--config", str(config))
    with codebeaker.Client(srv.url) as cb:
        with cb.create_session("python") as s:
            with pytest.raises(codebeaker.RateLimitError) as e:
                cb.create_session("python")
            assert e.value.code == -32029 and e.value.data["rule"] == "maxSessionsPerPrincipal", e.value.data
            assert e.value.retry_after_ms is None  # waiting does not help here
            with pytest.raises(codebeaker.RejectedError) as e:
                s.run("print(1)  # " + "x" * 200)
            assert e.value.code == -32011 and e.value.data["rule"], e.value.data


def test_a_frozen_server_mid_run_raises_connection_lost_from_the_pings(start_server):
    """SIGSTOP: the connection stays open but nothing answers; WebSocket pings notice it."""
    srv = start_server()

    async def main():
        async with AsyncClient(srv.url, ping_interval=1, connect_timeout=2) as cb:
            s = await cb.create_session("python")
            ex = await s.start("print('go', flush=True)\nimport time\ntime.sleep(60)")
            assert (await ex.__aiter__().__anext__()).data == "go\n"
            srv.proc.send_signal(signal.SIGSTOP)
            try:
                with pytest.raises(ConnectionLostError):
                    await asyncio.wait_for(ex.result(), 30)  # the bound only guards against a hang
                with pytest.raises(ConnectError):  # no handshake within connect_timeout
                    await asyncio.wait_for(s.run("print(1)"), 30)
            finally:
                srv.proc.send_signal(signal.SIGCONT)
    asyncio.run(main())
