"""Cross-site protection and handshake strictness on the real host (issue 12, findings 1 and 5).
A web page can open a WebSocket to a loopback server (browsers send its Origin) and, through DNS
rebinding, make requests under its own host name (which shows in Host). Both must be refused; clients
that send no Origin (scripts, SDKs) stay allowed."""
import json
import socket

import pytest
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from test_transport import read_head, read_to_eof


@pytest.fixture(scope="module")
def origin_server():
    from conftest import Server
    s = Server(wait_ready=False)
    yield s
    s.stop()


def status_of(head):
    return int(head.split(" ", 2)[1])


def body_of(raw):
    return json.loads(raw.split("\r\n\r\n", 1)[1])


def http_raw(port, text):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(text.encode())
    data = read_to_eof(s).decode("latin-1")
    s.close()
    return data


def initialize(ws):
    ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}))
    return json.loads(ws.recv(timeout=10))["result"]["name"]


# ---- Origin on the upgrade ----

@pytest.mark.parametrize("origin", ["http://evil.example", "https://evil.example:5039", "null",
                                    "http://localhost.evil.example", "http://127.0.0.1.nip.io"])
def test_foreign_origin_upgrade_is_refused_403(origin_server, origin):
    with pytest.raises(InvalidStatus) as e:
        connect(origin_server.url, origin=origin, open_timeout=10)
    assert e.value.response.status_code == 403
    assert "Origin" in json.loads(e.value.response.body)["error"]


@pytest.mark.parametrize("origin", ["http://localhost:3000", "http://127.0.0.1:8080", "https://localhost",
                                    "http://[::1]:9000", "http://127.0.0.2"])
def test_loopback_origin_upgrade_is_accepted(origin_server, origin):
    with connect(origin_server.url, origin=origin, open_timeout=10) as ws:
        assert initialize(ws) == "codebeaker"


def test_client_without_origin_is_accepted(origin_server):
    with connect(origin_server.url, open_timeout=10) as ws:  # python websockets sends no Origin
        assert initialize(ws) == "codebeaker"


def test_refusal_is_logged(origin_server):
    with pytest.raises(InvalidStatus):
        connect(origin_server.url, origin="http://logged.example", open_timeout=10)
    assert "cross-site request refused" in origin_server.logs()


# ---- Host on the upgrade (DNS rebinding) ----

@pytest.mark.parametrize("host", ["evil.example", "evil.example:{port}", "rebind.attacker.test:80"])
def test_foreign_host_upgrade_is_refused_403(origin_server, host):
    host = host.format(port=origin_server.port)
    # The rebinding shape: the attacker's name in Host, and the page's origin is the same name.
    s = socket.create_connection(("127.0.0.1", origin_server.port), timeout=10)
    s.sendall((f"GET /ws/jsonrpc HTTP/1.1\r\nHost: {host}\r\nOrigin: http://{host}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
    data = read_to_eof(s).decode("latin-1")
    s.close()
    assert status_of(data) == 403, data
    assert "does not name this server" in body_of(data)["error"]


@pytest.mark.parametrize("host", ["localhost:{port}", "127.0.0.1", "[::1]:{port}", "LOCALHOST"])
def test_loopback_host_upgrade_is_accepted(origin_server, host):
    s = socket.create_connection(("127.0.0.1", origin_server.port), timeout=10)
    s.sendall((f"GET /ws/jsonrpc HTTP/1.1\r\nHost: {host.format(port=origin_server.port)}\r\nUpgrade: websocket\r\n"
               "Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
    assert read_head(s).startswith("HTTP/1.1 101 ")
    s.close()


# ---- allowlists from flags, environment and "*" ----

def upgrade_status(port, host, origin=None):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    extra = f"Origin: {origin}\r\n" if origin else ""
    s.sendall((f"GET /ws/jsonrpc HTTP/1.1\r\nHost: {host}\r\n{extra}Upgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n").encode())
    head = read_head(s)
    s.close()
    return status_of(head)


def test_allowlists_from_flags(start_server, tmp_path):
    srv = start_server("--allowed-origin", "https://app.example", "--allowed-host", "beaker.internal",
                       wait_ready=False, drivers_dir=tmp_path)
    p = srv.port
    assert upgrade_status(p, "127.0.0.1", "https://app.example") == 101
    assert upgrade_status(p, "127.0.0.1", "https://app.example:443") == 101  # default port is the same origin
    assert upgrade_status(p, "127.0.0.1", "http://app.example") == 403     # another scheme is another origin
    assert upgrade_status(p, f"beaker.internal:{p}") == 101
    # The page the host serves itself: same origin as the (allowed) Host.
    assert upgrade_status(p, f"beaker.internal:{p}", f"http://beaker.internal:{p}") == 101
    assert upgrade_status(p, f"beaker.internal:{p}", "http://beaker.internal:1") == 403
    assert upgrade_status(p, "other.internal") == 403


def test_allowlists_from_environment(start_server, tmp_path):
    srv = start_server(wait_ready=False, drivers_dir=tmp_path,
                       env={"CODEBEAKER_ALLOWED_ORIGINS": "https://a.example, https://b.example:8443",
                            "CODEBEAKER_ALLOWED_HOSTS": "beaker.internal"})
    p = srv.port
    assert upgrade_status(p, "127.0.0.1", "https://b.example:8443") == 101
    assert upgrade_status(p, "127.0.0.1", "https://b.example") == 403
    assert upgrade_status(p, "beaker.internal") == 101


def test_star_allows_any_and_is_logged_loudly(start_server, tmp_path):
    srv = start_server("--allowed-origin", "*", "--allowed-host", "*", wait_ready=False, drivers_dir=tmp_path)
    assert upgrade_status(srv.port, "evil.example", "http://evil.example") == 101
    logs = srv.logs()
    assert "INSECURE" in logs and "allowedOrigins" in logs and "allowedHosts" in logs


def test_bad_allowlist_entry_refuses_to_start(tmp_path):
    import subprocess
    from conftest import BINARY
    p = subprocess.run([str(BINARY), "--port", "0", "--workspace-root", str(tmp_path), "--drivers-dir", str(tmp_path),
                        "--allowed-origin", "evil.example/path"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "--allowed-origin" in p.stderr, p.stderr


# ---- read-only routes ----

def test_health_open_to_scrapers_with_any_host(origin_server):
    data = http_raw(origin_server.port, "GET /health/live HTTP/1.1\r\nHost: scrape-target.internal:9\r\nConnection: close\r\n\r\n")
    assert status_of(data) == 200


@pytest.mark.parametrize("path", ["/health/live", "/metrics"])
@pytest.mark.parametrize("browser_header", ["Origin: http://evil.example", "Sec-Fetch-Site: same-origin\r\nSec-Fetch-Mode: cors"])
def test_browser_request_to_read_only_route_with_foreign_host_is_refused(origin_server, path, browser_header):
    # A DNS-rebinding page's same-origin fetch carries no Origin, but browsers mark it with Sec-Fetch-*.
    data = http_raw(origin_server.port, f"GET {path} HTTP/1.1\r\nHost: evil.example\r\n{browser_header}\r\nConnection: close\r\n\r\n")
    assert status_of(data) == 403, data


def test_browser_request_from_loopback_page_to_metrics_is_answered(origin_server):
    data = http_raw(origin_server.port, f"GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:{origin_server.port}\r\n"
                    "Origin: http://localhost:3000\r\nSec-Fetch-Mode: cors\r\nConnection: close\r\n\r\n")
    assert status_of(data) == 200


def test_non_get_request_with_foreign_host_is_refused(origin_server):
    data = http_raw(origin_server.port, "POST /health HTTP/1.1\r\nHost: evil.example\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    assert status_of(data) == 403
    data = http_raw(origin_server.port, "POST /health HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    assert status_of(data) == 405


# ---- handshake strictness (RFC 6455 §4.2.1) ----

UPGRADE_TAIL = ("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")


@pytest.mark.parametrize("request_text,mentions", [
    ("GET /ws/jsonrpc HTTP/1.1\r\n" + UPGRADE_TAIL, "Host"),
    ("GET /ws/jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: 127.0.0.1\r\n" + UPGRADE_TAIL, "Host"),
    ("GET /ws/jsonrpc HTTP/1.0\r\nHost: 127.0.0.1\r\n" + UPGRADE_TAIL, "HTTP/1.1"),
], ids=["no-host", "two-hosts", "http-1.0"])
def test_upgrade_without_host_or_over_http10_gets_400(origin_server, request_text, mentions):
    data = http_raw(origin_server.port, request_text)
    assert status_of(data) == 400, data
    assert mentions in body_of(data)["error"]


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_plain_request_to_websocket_path_gets_426(origin_server, method):
    data = http_raw(origin_server.port, f"{method} /ws/jsonrpc HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    head = data.split("\r\n\r\n", 1)[0]
    assert status_of(head) == 426, data
    assert "\r\nUpgrade: websocket" in head
    body = data.split("\r\n\r\n", 1)[1]
    assert (body == "") if method == "HEAD" else ("WebSocket" in json.loads(body)["error"])
