"""TLS through HAProxy and nginx (examples/proxy/haproxy.cfg and nginx.conf as shipped, docs/proxy.md): a real
client over wss:// with a token, the upgrade, pings both ways, messages near maxMessageBytes, and the host's
Host/Origin checks judging the names the client used, not the proxy's."""
import asyncio
import base64
import json
import os
import socket
import sys
import tempfile

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from conftest import ROOT, Server
from proxyutil import Haproxy, Nginx, need, python_only

sys.path.insert(0, str(ROOT / "clients" / "python"))  # this tree's SDK (CI installs the same one)
from codebeaker import AsyncClient, AuthenticationError  # noqa: E402

TOKEN = "tok-" + os.urandom(12).hex()
MAX = 8 << 20  # the host's maxMessageBytes here


@pytest.fixture(scope="module", params=["haproxy", "nginx"])
def proxied(request):
    need(request.param, "openssl")
    tmp = tempfile.TemporaryDirectory(prefix="cb-proxy-")
    cfg = os.path.join(tmp.name, "config.json")
    with open(cfg, "w") as f:
        json.dump({"maxMessageBytes": MAX, "idlePingSeconds": 1, "allowedHosts": ["codebeaker.test"],
                   "allowedOrigins": ["https://app.example"]}, f)
    host = Server("--config", cfg, drivers_dir=python_only(tmp.name), env={"CODEBEAKER_TOKENS": f"alice:{TOKEN}"})
    addr = f"127.0.0.1:{host.port}"
    proxy = (Haproxy("haproxy.cfg", tmp.name, {"CB_HOST_ADDR": addr}) if request.param == "haproxy"
             else Nginx(tmp.name, addr))
    try:
        proxy.wait_up()
        yield host, proxy
    finally:
        proxy.stop()
        host.stop()
        tmp.cleanup()


def ws(proxy, name="127.0.0.1", token=TOKEN, **kw):
    """A websockets connection to wss://<name>:<port> that really goes to 127.0.0.1 (no DNS for test names)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return connect(f"wss://{name}:{proxy.port}/ws/jsonrpc", ssl=proxy.ctx, host="127.0.0.1", port=proxy.port,
                   additional_headers=headers, max_size=None, **kw)


async def rpc(conn, method, params, rid=1):
    await conn.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}))
    return json.loads(await asyncio.wait_for(conn.recv(), 60))


def test_the_python_sdk_over_wss_with_a_token(proxied, monkeypatch):
    _, proxy = proxied
    monkeypatch.setenv("SSL_CERT_FILE", proxy.cert)  # the SDK's default TLS context trusts the test's CA

    async def main():
        with pytest.raises(AuthenticationError):
            await AsyncClient(proxy.url).connect()  # no token: the host's 401 comes through the proxy
        async with AsyncClient(proxy.url, token=TOKEN) as cb:
            s = await cb.create_session("python")
            assert (await s.run("print(6*7)")).stdout == "42\n"
            big = "a" * (MAX - 4096)  # the request is a little under maxMessageBytes
            assert await s.write_file("big.txt", big) == len(big)
            assert await s.read_file("big.txt") == big
            assert (await s.run("import os; print(os.path.getsize('big.txt'))")).stdout == f"{len(big)}\n"
            await asyncio.wait_for(await cb._ws.ping(), 10)  # the client's ping, answered through the proxy
            await cb.drop_connection()
            assert (await s.run("print('again')")).stdout == "again\n"  # reconnected through the proxy
            assert cb.connections == 2
            await s.close()
    asyncio.run(main())


def test_an_oversized_message_is_closed_1009_through_the_proxy(proxied):
    _, proxy = proxied

    async def main():
        async with ws(proxy) as conn:
            await conn.send("x" * (MAX + 1))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(conn.recv(), 30)
            assert conn.close_code == 1009
    asyncio.run(main())


def test_the_hosts_pings_reach_the_client(proxied):
    """idlePingSeconds is 1 here: an idle connection gets a ping frame from the host, through the tunnel."""
    _, proxy = proxied
    raw = socket.create_connection(("127.0.0.1", proxy.port), timeout=15)
    s = proxy.ctx.wrap_socket(raw, server_hostname="codebeaker.test")
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall((f"GET /ws/jsonrpc HTTP/1.1\r\nHost: codebeaker.test:{proxy.port}\r\nUpgrade: websocket\r\n"
               f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Authorization: Bearer {TOKEN}\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert head.startswith(b"HTTP/1.1 101"), head
    rest = head.split(b"\r\n\r\n", 1)[1]
    while len(rest) < 2:
        rest += s.recv(4096)
    assert rest[0] == 0x89, rest[:2]  # FIN + ping: the first frame on an idle connection
    s.close()


def test_host_and_origin_checks_judge_the_clients_names(proxied):
    host, proxy = proxied

    async def status(name, origin=None):
        try:
            async with ws(proxy, name=name, origin=origin) as conn:
                r = await rpc(conn, "initialize", {})
                return 101 if "result" in r else r
        except InvalidStatus as e:
            return e.response.status_code

    async def main():
        assert await status("codebeaker.test") == 101  # in allowedHosts
        assert await status("evil.test") == 403  # a rebinding page's name: refused by the host, through the proxy
        assert await status("codebeaker.test", f"https://codebeaker.test:{proxy.port}") == 101  # same origin
        assert await status("codebeaker.test", "https://app.example") == 101  # in allowedOrigins
        assert await status("codebeaker.test", "https://evil.test") == 403
    asyncio.run(main())
    assert "cross-site request refused" in host.logs()
