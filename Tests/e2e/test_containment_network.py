"""Containment of the network (issue 11, findings 1, 2 and 9), end to end against the real host and drivers.

Traffic goes only to listeners this test runs on the host (127.0.0.1 and the host's own addresses) and to the
configured package index (the outbound positive case). Nothing else is ever a target.
"""
import json
import os
import socket
import tempfile
import threading
import time

import pytest

from attacks_util import record
from cbclient import Client, RPCError, refusal_text
from conftest import wait_until

SIX = "six==1.17.0"
RT_NAMES = {"Python": "python", "NodeJs": "node", "Bun": "bun", "Deno": "deno", "Docker": "docker"}  # runtimeType -> matrix column
NETWORK_ENV = {"CODEBEAKER_NETWORK_PRINCIPALS": "anonymous"}


class Listener:
    """A TCP listener on the host (all IPv4 addresses) that answers any request with a small HTTP 404 and
    counts the connections it accepted: the proof that nothing reached it is `count == 0`."""

    def __init__(self, host="0.0.0.0"):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.count = 0
        self.stopped = False
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while not self.stopped:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            self.count += 1
            try:
                c.settimeout(2)
                c.recv(4096)
                c.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except OSError:
                pass
            c.close()

    def accepted(self):
        """Connections so far, including any still waiting in the backlog (a connect that completed)."""
        self.sock.setblocking(False)
        try:
            while True:
                c, _ = self.sock.accept()
                self.count += 1
                c.close()
        except (BlockingIOError, OSError):
            pass
        finally:
            self.sock.setblocking(True)
        return self.count

    def close(self):
        self.stopped = True
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


def host_ipv4_addresses():
    """The host's own IPv4 addresses (LOCAL entries of the kernel's FIB), loopback excluded."""
    out, last = set(), None
    with open("/proc/net/fib_trie") as f:
        for line in f:
            s = line.strip()
            if s.startswith("|--"):
                last = s.split()[1]
            elif "host LOCAL" in s and last and not last.startswith("127."):
                out.add(last)
    return sorted(out)


@pytest.fixture(scope="module")
def netsrv():
    """A server whose operator allows network for the anonymous principal."""
    from conftest import Server
    s = Server(env=NETWORK_ENV)
    yield s
    s.stop()


def new_session(client, language, runtime=None, timeout=60, **params):
    deadline = time.time() + timeout
    while True:
        try:
            if runtime:
                params["runtimeType"] = runtime
            return client.session(language, **params)
        except RPCError as e:
            if e.code != -32002 or time.time() > deadline:
                raise
            time.sleep(0.2)


def run(client, sid, code, language=None, timeout=30):
    cmd = {"type": "execute_code", "code": code, "timeout": timeout}
    if language:
        cmd["language"] = language
    return client.execute(sid, cmd, timeout=timeout + 60)["result"]


# --- finding 1: network is an operator grant -------------------------------------------------------------

def test_network_is_refused_for_a_principal_the_operator_did_not_allow(client):
    with pytest.raises(RPCError) as e:
        client.session("python", network=True)
    assert e.value.code == -32602, e.value
    assert e.value.data["field"] == "network" and "networkPrincipals" in e.value.data["reason"], e.value.data
    # Without network the same principal is served as before.
    sid = client.session("python")
    assert run(client, sid, "print(1)")["stdout"] == "1\n"


# --- finding 1: a network session has its own namespace, outbound only ----------------------------------

PROBES = {
    # Each prints one line per target: "open" or "blocked <why>".
    "python": ("Python", "python", """
import socket
for h in HOSTS:
    s = socket.socket(); s.settimeout(3)
    try:
        s.connect((h, PORT)); print(h, 'open')
    except Exception as e:
        print(h, 'blocked', type(e).__name__)
    s.close()
"""),
    "node": ("NodeJs", "javascript", """
const net = require('net');
(async () => {
  for (const h of HOSTS) {
    const r = await new Promise(res => {
      const s = net.connect({host: h, port: PORT, timeout: 3000});
      s.on('connect', () => { s.destroy(); res('open'); });
      s.on('timeout', () => { s.destroy(); res('blocked timeout'); });
      s.on('error', e => res('blocked ' + e.code));
    });
    console.log(h, r);
  }
})();
"""),
    "bun": ("Bun", "javascript", """
const net = require('net');
for (const h of HOSTS) {
  const r = await new Promise(res => {
    const s = net.connect({host: h, port: PORT});
    const t = setTimeout(() => { s.destroy(); res('blocked timeout'); }, 3000);
    s.on('connect', () => { clearTimeout(t); s.destroy(); res('open'); });
    s.on('error', e => { clearTimeout(t); res('blocked ' + e.code); });
  });
  console.log(h, r);
}
"""),
    "deno": ("Deno", "typescript", """
for (const h of HOSTS) {
  try {
    const c = await Deno.connect({hostname: h, port: PORT});
    c.close(); console.log(h, 'open');
  } catch (e) { console.log(h, 'blocked', e.name); }
}
"""),
}


@pytest.mark.parametrize("rt", sorted(PROBES))
def test_network_session_cannot_reach_the_hosts_loopback_or_addresses(netsrv, listener, rt):
    runtime, language, src = PROBES[rt]
    with netsrv.client() as c:
        extra = {"permissions": {"allowNet": True}} if rt == "deno" else {}
        sid = new_session(c, language, runtime, network=True, **extra)
        # 10.0.2.2 is the NAT's gateway, which plain slirp4netns maps to the host's loopback.
        hosts = ["127.0.0.1", "10.0.2.2"] + host_ipv4_addresses()
        code = src.replace("HOSTS", json.dumps(hosts)).replace("PORT", str(listener.port))
        out = run(c, sid, code, language)
        lines = out["stdout"].strip().splitlines()
        assert len(lines) == len(hosts) and all(" blocked" in l for l in lines), out
        # The server's own API on 127.0.0.1 is just as unreachable.
        api = run(c, sid, src.replace("HOSTS", '["127.0.0.1"]').replace("PORT", str(netsrv.port)), language)
        assert "blocked" in api["stdout"], api
        assert listener.accepted() == 0
        record("network: true session -> host loopback, NAT gateway, host addresses, the API", RT_NAMES.get(runtime, runtime),
               "contained: own netns + slirp4netns; every host address blocked")


def test_network_session_sees_no_host_sockets_and_blocks_link_local(netsrv):
    with netsrv.client() as c:
        sid = new_session(c, "python", "Python", network=True)
        out = run(c, sid, """
import socket, struct
listening = [l for l in open('/proc/net/tcp').read().splitlines()[1:] if l.split()[3] == '0A']
print('listening', len(listening))
rejects = set()
for l in open('/proc/net/route').read().splitlines()[1:]:
    f = l.split()
    if int(f[3], 16) & 0x0200:  # RTF_REJECT: a prohibit route
        net = socket.inet_ntoa(struct.pack('<I', int(f[1], 16))); mask = bin(int(f[7], 16)).count('1')
        rejects.add(f'{net}/{mask}')
print(' '.join(sorted(rejects)))
# Deleting a route (RTM_DELROUTE for the prohibit 169.254.0.0/16) must fail: the namespace is not the code's.
nl = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
rta = struct.pack('=HH4s', 8, 1, socket.inet_aton('169.254.0.0'))  # RTA_DST
rtm = struct.pack('=BBBBBBBBI', 2, 16, 0, 0, 254, 4, 0, 8, 0)  # AF_INET /16 main static universe RTN_PROHIBIT
msg = rtm + rta
nl.send(struct.pack('=IHHII', 16 + len(msg), 25, 0x5, 1, 0) + msg)  # RTM_DELROUTE, NLM_F_REQUEST|NLM_F_ACK
print('delroute', struct.unpack('=i', nl.recv(4096)[16:20])[0])
""")
        lines = out["stdout"].splitlines()
        assert lines[0] == "listening 0", out  # the host's listeners (the API, this test's) are not listed
        for r in ["169.254.0.0/16", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10"]:
            assert r in lines[1].split(), out
        assert lines[2] == "delroute -1", out  # -EPERM


def test_two_network_sessions_cannot_reach_each_other(netsrv):
    with netsrv.client() as c:
        a = new_session(c, "python", "Python", network=True)
        b = new_session(c, "python", "Python", network=True)
        # A listens on TCP and on an abstract unix socket, says so in a file, and waits for a peer.
        rid = next(c.ids)
        c.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "session.execute", "params": {
            "sessionId": a, "command": {"type": "execute_code", "timeout": 30, "code": """
import socket, select
t = socket.socket(); t.bind(('127.0.0.1', 0)); t.listen(); 
u = socket.socket(socket.AF_UNIX); u.bind('\\0cb-net-test'); u.listen()
open('/workspace/port', 'w').write(str(t.getsockname()[1]))
r, _, _ = select.select([t, u], [], [], 8)
print('peer' if r else 'alone')
"""}}}))
        port = wait_until(lambda: (c.execute(a, {"type": "read_file", "path": "port"}).get("result") or {}).get("content"),
                          timeout=30, what="session A listening")
        out = run(c, b, f"""
import socket
t = socket.socket(); t.settimeout(3)
try:
    t.connect(('127.0.0.1', {int(port)})); print('tcp open')
except Exception as e:
    print('tcp blocked', type(e).__name__)
u = socket.socket(socket.AF_UNIX)
try:
    u.connect('\\0cb-net-test'); print('unix open')
except Exception as e:
    print('unix blocked', type(e).__name__)
""")
        assert out["stdout"].startswith("tcp blocked") and "unix blocked" in out["stdout"], out
        res = c.wait_for(rid, timeout=60)
        assert res["result"]["result"]["stdout"] == "alone\n", res
        record("network: true session -> another network session (TCP, abstract unix)", "python",
               "contained: a namespace each")


def test_network_session_reaches_the_configured_package_index(netsrv):
    """Outbound works: pip in the session downloads from the index it is configured with (its default)."""
    with netsrv.client() as c:
        sid = new_session(c, "python", "Python", network=True)
        r = c.execute(sid, {"type": "execute_shell", "commandName": "python3",
                            "args": ["-m", "pip", "download", "--no-deps", "--only-binary=:all:", "-d", "/workspace/dl", SIX],
                            "timeout": 120}, timeout=200)
        assert r["result"]["exitCode"] == 0, r
        files = c.execute(sid, {"type": "list_directory", "path": "dl"})["result"]
        assert "six-1.17.0" in json.dumps(files), files


# --- finding 1, Docker: a bridge of the driver's own, no inter-container traffic, no host --------------------

def require_docker_python():
    import subprocess
    if not os.path.exists("/var/run/docker.sock"):
        pytest.skip("no Docker daemon socket at /var/run/docker.sock")
    if subprocess.run(["docker", "image", "inspect", "codebeaker-python"], capture_output=True).returncode != 0:
        pytest.skip("codebeaker-python not built: run scripts/build-runtime-images.sh")


@pytest.fixture
def docker_ready():
    require_docker_python()


DOCKER_PROBE = PROBES["python"][2]  # the same python probe, run in containers


def test_docker_network_sessions_reach_neither_the_host_nor_each_other(docker_ready, netsrv, listener):
    with netsrv.client() as c:
        a = new_session(c, "python", "Docker", network=True)
        b = new_session(c, "python", "Docker", network=True)
        hosts = host_ipv4_addresses()
        out = run(c, a, DOCKER_PROBE.replace("HOSTS", json.dumps(hosts)).replace("PORT", str(listener.port)))
        lines = out["stdout"].strip().splitlines()
        assert len(lines) == len(hosts) and all(" blocked" in l for l in lines), out
        assert listener.accepted() == 0
        # A listens on its container address; B, on the same network, cannot connect to it.
        rid = next(c.ids)
        c.ws.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "session.execute", "params": {
            "sessionId": a, "command": {"type": "execute_code", "timeout": 30, "code": """
import socket, select
t = socket.socket(); t.bind(('0.0.0.0', 0)); t.listen()
ip = socket.gethostbyname(socket.gethostname())  # Docker writes the container's address to /etc/hosts
open('/workspace/addr', 'w').write(f'{ip}:{t.getsockname()[1]}')
r, _, _ = select.select([t], [], [], 8)
print('peer' if r else 'alone')
"""}}}))
        addr = wait_until(lambda: (c.execute(a, {"type": "read_file", "path": "addr"}).get("result") or {}).get("content"),
                          timeout=30, what="container A listening")
        ip, port = addr.rsplit(":", 1)
        out = run(c, b, DOCKER_PROBE.replace("HOSTS", json.dumps([ip])).replace("PORT", port))
        assert " blocked" in out["stdout"], out
        res = c.wait_for(rid, timeout=60)
        assert res["result"]["result"]["stdout"] == "alone\n", res
        record("network: true session -> another network session (TCP, abstract unix)", "python",
               "contained: a namespace each")


# --- finding 2: installers reach only the package index ---------------------------------------------------

def links_page(port):
    return f'<html><body><a href="http://127.0.0.1:{port}/cbprobe-1.0-py3-none-any.whl">cbprobe-1.0-py3-none-any.whl</a></body></html>'


def test_a_find_links_page_in_a_requirements_file_cannot_send_pip_anywhere(client, listener):
    sid = new_session(client, "python", "Python")
    client.execute(sid, {"type": "write_file", "path": "x/index.html", "content": links_page(listener.port)})
    client.execute(sid, {"type": "write_file", "path": "req.txt", "content": "--find-links /workspace/x/index.html\ncbprobe\n"})
    msg = refusal_text(lambda: client.execute(sid, {"type": "install_packages", "packages": [], "requirementsFile": "req.txt"}, timeout=200))
    assert "must be a directory" in msg, msg
    assert listener.accepted() == 0


def test_a_find_links_page_in_a_shell_pip_install_cannot_send_pip_anywhere(client, listener):
    sid = new_session(client, "python", "Python")
    client.execute(sid, {"type": "write_file", "path": "x/index.html", "content": links_page(listener.port)})
    msg = refusal_text(lambda: client.execute(sid, {"type": "execute_shell", "commandName": "pip",
                                                     "args": ["install", "-f", "/workspace/x/index.html", "cbprobe"]}, timeout=200))
    assert "must be a directory" in msg, msg
    assert listener.accepted() == 0


@pytest.mark.parametrize("rt,language,manager", [("NodeJs", "javascript", "npm"), ("Bun", "javascript", "bun")])
def test_url_dependencies_in_package_json_are_refused(client, listener, rt, language, manager):
    sid = new_session(client, language, rt)
    pkg = {"name": "app", "version": "1.0.0", "dependencies": {"cbprobe": f"http://127.0.0.1:{listener.port}/cbprobe.tgz"}}
    client.execute(sid, {"type": "write_file", "path": "package.json", "content": json.dumps(pkg)})
    msg = refusal_text(lambda: client.execute(sid, {"type": "install_packages", "packages": [], "manager": manager}, timeout=200))
    assert "package.json" in msg and "URL" in msg, msg
    assert listener.accepted() == 0


def test_a_workspace_npmrc_cannot_point_bun_at_another_registry(client, listener):
    sid = new_session(client, "javascript", "Bun")
    client.execute(sid, {"type": "write_file", "path": ".npmrc", "content": f"registry=http://127.0.0.1:{listener.port}/\n"})
    client.execute(sid, {"type": "install_packages", "packages": ["cbprobe"], "manager": "bun"}, timeout=200)
    assert listener.accepted() == 0  # the install fails (no registry reachable here) but never tries the listener


def test_docker_installs_refuse_links_pages_and_url_dependencies(docker_ready, client, listener):
    import subprocess
    if subprocess.run(["docker", "image", "inspect", "codebeaker-nodejs"], capture_output=True).returncode != 0:
        pytest.skip("codebeaker-nodejs not built: run scripts/build-runtime-images.sh")
    py = new_session(client, "python", "Docker")
    client.execute(py, {"type": "write_file", "path": "x/index.html", "content": links_page(listener.port)})
    client.execute(py, {"type": "write_file", "path": "req.txt", "content": "--find-links /workspace/x/index.html\ncbprobe\n"})
    msg = refusal_text(lambda: client.execute(py, {"type": "install_packages", "packages": [], "requirementsFile": "req.txt"}, timeout=200))
    assert "must be a directory" in msg, msg
    js = new_session(client, "javascript", "Docker")
    pkg = {"name": "app", "version": "1.0.0", "dependencies": {"cbprobe": f"http://127.0.0.1:{listener.port}/cbprobe.tgz"}}
    client.execute(js, {"type": "write_file", "path": "package.json", "content": json.dumps(pkg)})
    msg = refusal_text(lambda: client.execute(js, {"type": "install_packages", "packages": [], "manager": "npm"}, timeout=200))
    assert "package.json" in msg and "URL" in msg, msg
    assert listener.accepted() == 0


@pytest.fixture(scope="module")
def urlsrv():
    """A server that allows URL package specs (host and drivers), to show the egress path itself refuses."""
    from conftest import Server
    cfg = tempfile.NamedTemporaryFile("w", suffix=".json", delete=False)
    json.dump({"security": {"allowPackageURLs": True}}, cfg)
    cfg.close()
    s = Server("--config", cfg.name, env={"CODEBEAKER_PACKAGES_ALLOW_URLS": "1"})
    yield s
    s.stop()
    os.unlink(cfg.name)


@pytest.mark.parametrize("rt,language,manager,spec", [
    ("Python", "python", "pip", "cbprobe @ http://127.0.0.1:{port}/cbprobe-1.0-py3-none-any.whl"),
    ("NodeJs", "javascript", "npm", "http://127.0.0.1:{port}/cbprobe.tgz"),
    ("Docker", "python", "pip", "cbprobe @ http://{host}:{port}/cbprobe-1.0-py3-none-any.whl"),
])
def test_installer_egress_reaches_nothing_but_the_package_index(urlsrv, listener, rt, language, manager, spec):
    if rt == "Docker":
        require_docker_python()
    # A container's 127.0.0.1 is its own: there, the host's own address is the listener to try.
    spec = spec.replace("{host}", host_ipv4_addresses()[0] if host_ipv4_addresses() else "127.0.0.1")
    with urlsrv.client() as c:
        sid = new_session(c, language, rt)
        r = c.execute(sid, {"type": "install_packages", "packages": [spec.replace("{port}", str(listener.port))], "manager": manager}, timeout=200)
        assert r["success"] is False, r
        assert listener.accepted() == 0, r
        assert "refused egress" in r["result"]["stderr"], r["result"]["stderr"][-2000:]
        record("installer egress to a URL that is not the package index", RT_NAMES.get(rt, rt),
               "contained: the install proxy refuses it (403)")


# --- finding 9: the shared cache is no oracle --------------------------------------------------------------

def test_install_results_do_not_tell_one_principal_what_another_installed(start_server):
    cache = tempfile.mkdtemp(prefix="cb-cache-")
    os.chmod(cache, 0o755)
    srv = start_server(env={"CODEBEAKER_TOKENS": "alice:alice-token-0123456789abcdef,bob:bob-token-0123456789abcdef0",
                            "CODEBEAKER_PACKAGE_CACHE": cache})
    seen = []
    for token in ["alice-token-0123456789abcdef", "bob-token-0123456789abcdef0"]:
        with Client(srv.url, headers={"Authorization": f"Bearer {token}"}) as c:
            sid = new_session(c, "python", "Python")
            r = c.execute(sid, {"type": "install_packages", "packages": [SIX]}, timeout=300)
            assert r["success"] is True, r
            seen.append(r["result"]["cache"])
    # Both were served through the shared cache (the speedup stays); neither learns whether the other did it first.
    assert seen == ["shared", "shared"], seen
