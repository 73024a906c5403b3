"""Proxies in front of test hosts, run from the shipped files in examples/proxy, with a self-signed certificate
made by openssl for the test. HAProxy reads the files' "${VAR}"s from its environment; for nginx the test fills
them in as `envsubst` would (docs/proxy.md)."""
import os
import shutil
import socket
import ssl
import string
import subprocess
import urllib.request

import pytest

from conftest import BUILD, ROOT, wait_until

EXAMPLES = ROOT / "examples" / "proxy"
NAMES = ("codebeaker.test", "evil.test")  # the public name, and one a rebinding page would use


def need(*tools):
    for t in tools:
        if shutil.which(t) is None:
            pytest.skip(f"{t} is not installed (scripts/setup.sh --test installs it)")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def python_only(directory):
    """A drivers directory with the python driver alone: the host is ready when python is (and costs less)."""
    drivers = os.path.join(directory, "drivers")
    os.makedirs(drivers)
    os.symlink(BUILD / "codebeaker-driver-python", os.path.join(drivers, "codebeaker-driver-python"))
    return drivers


def make_cert(directory):
    """A self-signed certificate for NAMES and 127.0.0.1: (key, cert, HAProxy's PEM: chain + key)."""
    key, cert, both = (os.path.join(directory, n) for n in ("key.pem", "cert.pem", "haproxy.pem"))
    san = ",".join([f"DNS:{n}" for n in NAMES] + ["IP:127.0.0.1"])
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                    "-days", "1", "-subj", f"/CN={NAMES[0]}", "-addext", f"subjectAltName={san}"],
                   check=True, capture_output=True, timeout=60)
    with open(both, "w") as f:
        f.write(open(cert).read() + open(key).read())
    return key, cert, both


class Proxy:
    """A started proxy on 127.0.0.1:`port` (TLS); `ctx` trusts its certificate."""

    def __init__(self, directory, port=None):
        self.dir, self.port = directory, port or free_port()
        self.key, self.cert, self.pem = make_cert(directory)
        self.ctx = ssl.create_default_context(cafile=self.cert)
        self.url = f"wss://127.0.0.1:{self.port}/ws/jsonrpc"
        self.log_path = os.path.join(directory, f"{type(self).__name__.lower()}.log")
        self.log = open(self.log_path, "w")

    def get(self, path):
        """GET over TLS through the proxy: (status, body), or (None, b"") when it cannot connect."""
        req = urllib.request.Request(f"https://127.0.0.1:{self.port}{path}")
        try:
            with urllib.request.urlopen(req, timeout=10, context=self.ctx) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError:
            return None, b""

    def wait_up(self, path="/health/ready"):
        """Until the proxy answers 200 on `path` (for HAProxy: its health checks found a host up)."""
        wait_until(lambda: self.get(path)[0] == 200, timeout=30, what=f"{type(self).__name__} serving {path}")

    def logs(self):
        self.log.flush()
        return open(self.log_path).read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:  # never leave a proxy holding its port for the next test
                self.proc.kill()
                self.proc.wait()
        self.log.close()


class Haproxy(Proxy):
    """`haproxy -db -f examples/proxy/<config>`, the variables in its environment."""

    def __init__(self, config, directory, env, port=None):
        super().__init__(directory, port)
        full = dict(os.environ, CB_PROXY_BIND=f"127.0.0.1:{self.port}", CB_PROXY_CERT=self.pem, **env)
        cfg = str(EXAMPLES / config)
        check = subprocess.run(["haproxy", "-c", "-f", cfg], env=full, capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        self.proc = subprocess.Popen(["haproxy", "-db", "-f", cfg], env=full, stdout=self.log,
                                     stderr=subprocess.STDOUT)


class Nginx(Proxy):
    """examples/proxy/nginx.conf with its placeholders filled in, inside a minimal main config of the test's own."""

    def __init__(self, directory, host_addr):
        super().__init__(directory)
        values = {"CB_PROXY_BIND": f"127.0.0.1:{self.port}", "CB_PROXY_CERT": self.cert, "CB_PROXY_KEY": self.key,
                  "CB_HOST_ADDR": host_addr}
        site = string.Template((EXAMPLES / "nginx.conf").read_text()).safe_substitute(values)
        assert "${CB_" not in site, "a placeholder the test does not fill"
        d = directory
        with open(os.path.join(d, "site.conf"), "w") as f:
            f.write(site)
        main = os.path.join(d, "nginx-main.conf")
        temps = "".join(f"    {k}_temp_path {d}/{k};\n" for k in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        with open(main, "w") as f:
            f.write(f"daemon off;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log stderr info;\n"
                    f"events {{}}\nhttp {{\n    access_log {d}/access.log;\n{temps}    include {d}/site.conf;\n}}\n")
        check = subprocess.run(["nginx", "-t", "-c", main, "-e", "stderr"], capture_output=True, text=True,
                               timeout=30)
        assert check.returncode == 0, check.stdout + check.stderr
        self.proc = subprocess.Popen(["nginx", "-c", main, "-e", "stderr"], stdout=self.log, stderr=subprocess.STDOUT)
