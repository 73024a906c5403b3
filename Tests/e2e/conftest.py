"""Fixtures that start the real `codebeaker` binary (built by `swift build`) on a free port."""
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.dirname(__file__))
from cbclient import Client  # noqa: E402
import retries  # noqa: E402

# The attack modules' shared fixtures (rt, att, bystanders; each module defines its own `srv`).
pytest_plugins = ["attacks_util"]

# Servers started by tests keep no pre-started sandboxes unless a test asks (`--pool-size N`, test_pool.py):
# many tests count the sessions' processes, cgroups and workspaces. Set here so that servers tests start
# themselves inherit it too.
os.environ.setdefault("CODEBEAKER_POOL_SIZE", "0")

ROOT = pathlib.Path(__file__).resolve().parents[2]
BUILD = pathlib.Path(os.environ.get("CODEBEAKER_BUILD_DIR", ROOT / ".build" / "debug"))
BINARY = BUILD / "codebeaker"


class Server:
    def __init__(self, *args, env=None, drivers_dir=None, default_drivers=False, wait_ready=True, launcher=()):
        """`launcher`: argv prepended to the server's (e.g. a wrapper that starts it as an operator would).
        `drivers_dir`: the only drivers directory (`--no-default-drivers`), unless `default_drivers` keeps the
        built-in ones searched after it, as for an operator's `--drivers-dir`."""
        if not BINARY.exists():
            raise RuntimeError(f"{BINARY} not found: run `swift build` first")
        self.tmp = tempfile.TemporaryDirectory(prefix="cb-e2e-")
        self.workspace_root = os.path.join(self.tmp.name, "ws")
        os.makedirs(self.workspace_root)
        os.chmod(self.tmp.name, 0o711)
        os.chmod(self.workspace_root, 0o711)
        cmd = list(launcher) + [str(BINARY), "--port", "0", "--workspace-root", self.workspace_root]
        cmd += ["--drivers-dir", str(drivers_dir or BUILD)]
        if drivers_dir and not default_drivers:
            cmd += ["--no-default-drivers"]
        cmd += list(args)
        full_env = dict(os.environ)
        # Each server's docker driver would otherwise warm containers per image; tests create few sessions.
        full_env.setdefault("CODEBEAKER_DOCKER_POOL", "0")
        full_env.update(env or {})
        self.log_path = os.path.join(self.tmp.name, "server.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=self.log, env=full_env, text=True)
        self.port = self._read_port()
        self.url = f"ws://127.0.0.1:{self.port}/ws/jsonrpc"
        if wait_ready:
            self.wait_ready()

    def _read_port(self):
        deadline = time.time() + 30
        while time.time() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            if "listening on ws://" in line:
                return int(line.split("ws://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        self.stop()
        raise RuntimeError("server did not start:\n" + open(self.log_path).read()[-4000:])

    def http(self, path, method="GET"):
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", method=method)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def wait_ready(self, timeout=30):
        deadline = time.time() + timeout
        while time.time() < deadline:
            status, _ = self.http("/health/ready")
            if status == 200:
                return
            time.sleep(0.05)
        raise RuntimeError("no driver became ready:\n" + self.logs()[-4000:])

    def client(self, **kw):
        return Client(self.url, **kw)

    def logs(self):
        self.log.flush()
        return open(self.log_path).read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        detach_mounts_below(self.tmp.name)  # a killed host leaves its workspace volumes mounted
        self.tmp.cleanup()


def mounts_below(directory):
    """Mount points under `directory` (from /proc/self/mountinfo), deepest first."""
    prefix = directory.rstrip("/") + "/"
    with open("/proc/self/mountinfo") as f:
        points = {line.split()[4].replace("\\040", " ") for line in f}
    return sorted((p for p in points if p.startswith(prefix)), key=len, reverse=True)


def detach_mounts_below(directory):
    for point in mounts_below(directory):
        subprocess.run(["umount", "-l", point], stderr=subprocess.DEVNULL)


def wait_until(pred, timeout=20.0, what=None):
    """Polls `pred` until it returns something truthy, and returns that. On timeout: the last (falsy) value,
    or, given `what`, an AssertionError naming it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.05)
    value = pred()
    if not value and what:
        raise AssertionError(f"{what}: not within {timeout} s")
    return value


def pytest_configure(config):
    # The retry recorder: its `record_retry` fixture, and a run that recorded any retry fails (retries.py).
    if not config.pluginmanager.is_registered(retries):
        config.pluginmanager.register(retries, "retries")


@pytest.fixture(scope="session")
def server():
    """One shared server with every built driver."""
    s = Server()
    yield s
    s.stop()


@pytest.fixture
def start_server():
    """Factory for a server with its own arguments; stopped after the test."""
    started = []

    def start(*args, **kw):
        s = Server(*args, **kw)
        started.append(s)
        return s

    yield start
    for s in started:
        s.stop()


@pytest.fixture
def client(server):
    c = server.client()
    yield c
    c.close()


# ---- CI: a skip is a missing install step, not a pass ----
# Locally a test whose precondition is missing (no dockerd, an image not built) is skipped with its reason.
# In CI (CI=true) `.ci/run` installs everything, so any skip fails the run, naming the test and the reason.
_skips = []


def pytest_runtest_logreport(report):
    if report.skipped:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        _skips.append(f"{report.nodeid}: {reason}")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") == "true" and _skips:
        print("\nCI=true: these tests were skipped, so a precondition is missing from .ci/run:", file=sys.stderr)
        for s in _skips:
            print("  " + s, file=sys.stderr)
        session.exitstatus = 1
