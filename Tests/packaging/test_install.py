"""The packages on a fresh Debian 12 system: a privileged container from the locally built `codebeaker-base` image
(scripts/build-runtime-images.sh), on the host's network so its apt reaches Debian's packages and the test's
client reaches the installed host. The tests run in file order on one container, as an operator's would:
fresh install (host + python only), a driver package installed and removed while the host runs, a driver whose
runtime is missing, an upgrade, and a broken config."""
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from cbclient import Client, RPCError  # noqa: E402

IMAGE = "codebeaker-base"
NAME = f"cb-packaging-{os.getpid()}"
APT = "DEBIAN_FRONTEND=noninteractive apt-get -y -q"
BUSY_JS = ("require('fs').writeFileSync('started', '1'); "
           "const t0 = Date.now(); while (Date.now() - t0 < 120000) {}")


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = pred()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"{what}: not within {timeout} s")


def caps():
    """--cap-add for each capability in this process's bounding set (the container cannot get more)."""
    bound = int(re.search(r"^CapBnd:\s*([0-9a-f]+)", open("/proc/self/status").read(), re.M).group(1), 16)
    names = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
             "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
             "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
             "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP"]
    return [a for i, n in enumerate(names) if bound >> i & 1 for a in ("--cap-add", n)]


class Box:
    def __init__(self, debdir):
        self.port = None
        # Every capability this machine has (CI machines may lack some, so not --privileged) and no seccomp or
        # AppArmor profile: bubblewrap makes namespaces inside. No loop devices: workspaces are plain
        # directories there (the host logs "workspace quota off").
        # --init: a stopped host is reaped (sleep as pid 1 would leave a zombie that `kill -0` still finds).
        r = subprocess.run(["docker", "run", "-d", "--init", "--name", NAME, "--network", "host", *caps(),
                            "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
                            "--security-opt", "systempaths=unconfined",
                            "-v", f"{debdir}:/debs:ro", IMAGE, "sleep", "infinity"],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            subprocess.run(["docker", "rm", "-f", NAME], capture_output=True, timeout=120)
        assert r.returncode == 0, r.stderr

    def sh(self, script, check=True, timeout=900):
        r = subprocess.run(["docker", "exec", NAME, "bash", "-c", script], capture_output=True, text=True,
                           timeout=timeout)
        if check:
            assert r.returncode == 0, f"{script}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
        return r

    def start_host(self):
        """The installed binary with the installed config (on a free port: the container shares the network)."""
        # Its own session, so it outlives this `docker exec`.
        self.sh("rm -f /run/cb.out /run/cb.err; setsid -f bash -c 'echo $$ > /run/cb.pid; exec /usr/bin/codebeaker "
                "--config /etc/codebeaker/config.json --port 0 >/run/cb.out 2>/run/cb.err' </dev/null")

        def port():
            m = re.search(r"listening on ws://127\.0\.0\.1:(\d+)/", self.sh("cat /run/cb.out", check=False).stdout)
            return m and int(m.group(1))
        self.port = wait_until(port, 60, "the installed host listening")
        wait_until(lambda: self.http("/health/ready") == 200, 60, "/health/ready")
        return self.pid()

    def pid(self):
        return self.sh("cat /run/cb.pid").stdout.strip()

    def stop_host(self):
        if self.port is None:
            return
        self.sh("pid=$(cat /run/cb.pid); kill -TERM $pid; for i in $(seq 300); do kill -0 $pid 2>/dev/null || exit 0;"
                " sleep 0.1; done; exit 1")
        self.port = None

    def http(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
                return r.status
        except urllib.error.HTTPError as e:
            return e.code
        except OSError:
            return None

    def http_body(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=10) as r:
                return r.read()
        except urllib.error.HTTPError as e:
            return e.read()

    def client(self):
        return Client(f"ws://127.0.0.1:{self.port}/ws/jsonrpc")

    def log(self):
        return self.sh("cat /run/cb.err", check=False).stdout


@pytest.fixture(scope="module")
def box(debs, newer_debs, tmp_path_factory):
    assert shutil.which("docker"), "docker not installed (scripts/setup.sh --docker)"
    r = subprocess.run(["docker", "image", "inspect", IMAGE], capture_output=True, timeout=60)
    assert r.returncode == 0, f"{IMAGE} image missing (scripts/build-runtime-images.sh builds it)"
    debdir = tmp_path_factory.mktemp("container-debs")
    for sub, files in [("v1", debs), ("v2", newer_debs)]:
        (debdir / sub).mkdir()
        for f in files.values():
            shutil.copy(f, debdir / sub / f.name)
    os.chmod(debdir, 0o755)
    b = Box(debdir)
    try:
        b.sh("apt-get update -q")
        yield b
    finally:
        try:
            b.stop_host()
        finally:
            subprocess.run(["docker", "rm", "-f", NAME], capture_output=True, timeout=120)


def languages(c):
    return {lang["language"]: lang for lang in c.call("language.list")["languages"]}


def test_fresh_install_of_the_host_and_python_only(box):
    box.sh(f"{APT} install /debs/v1/codebeaker_*.deb /debs/v1/codebeaker-driver-python_*.deb")
    assert box.sh("stat -c %a /var/lib/codebeaker").stdout.strip() == "711"
    assert box.sh("command -v node", check=False).returncode != 0, "nodejs came with the python driver"
    box.start_host()
    assert box.http("/health/ready") == 200
    with box.client() as c:
        sid = c.session_when_ready("python")
        r = c.execute(sid, {"type": "execute", "code": "print(6*7)"})
        assert r["success"] and r["result"]["stdout"] == "42\n", r
        langs = languages(c)
        assert "python" in langs and "javascript" not in langs, sorted(langs)


def test_a_driver_package_installed_and_removed_while_the_host_runs(box):
    pid = box.pid()
    box.sh(f"{APT} install /debs/v1/codebeaker-driver-node_*.deb")
    with box.client() as c, box.client() as runner:
        wait_until(lambda: "javascript" in languages(c), 60, "javascript after installing codebeaker-driver-node")
        sid = c.session_when_ready("javascript")
        assert c.execute(sid, {"type": "execute", "code": "console.log(6*7)"})["result"]["stdout"] == "42\n"
        outcome = {}

        def busy():
            try:
                outcome["result"] = runner.execute(sid, {"type": "execute", "code": BUSY_JS}, timeout=120)
            except RPCError as e:
                outcome["error"] = e.message

        t = threading.Thread(target=busy)
        t.start()
        wait_until(lambda: c.execute(sid, {"type": "read_file", "path": "started"})["success"], 30, "busy run")
        box.sh(f"{APT} remove codebeaker-driver-node")
        wait_until(lambda: "javascript" not in languages(c), 60, "javascript gone after removing the package")
        t.join(60)
        assert not t.is_alive()
        assert "uninstalled" in str(outcome), outcome
        with pytest.raises(RPCError) as e:
            c.execute(sid, {"type": "execute", "code": "1"})
        assert e.value.code == -32001 and "uninstalled" in e.value.message
        assert "python" in languages(c)
    assert box.pid() == pid and box.http("/health/ready") == 200, "the host restarted"


def test_a_driver_package_whose_runtime_is_missing_says_how_to_install_it(box):
    box.sh(f"{APT} install /debs/v1/codebeaker-driver-deno_*.deb")
    assert box.sh("command -v deno", check=False).returncode != 0

    def deno():
        drivers = json.loads(box.http_body("/health/ready"))["drivers"]
        return next((d for d in drivers if d["name"] == "deno" and d["state"] == "unavailable"), None)
    d = wait_until(deno, 60, "the deno driver listed as unavailable")
    assert d["capabilities"]["available"] is False, d
    assert "pip install deno" in str(d["installHint"]) and "CODEBEAKER_DENO" in str(d["installHint"]), d
    # The operator's view: `drivers list` names the package directory, the state and the hint.
    out = box.sh("codebeaker drivers list").stdout
    row = next(line for line in out.splitlines() if line.startswith("deno "))
    assert "unavailable" in row and "/usr/lib/codebeaker/drivers/codebeaker-driver-deno" in row, out
    assert "install: " in out and "pip install deno" in out, out
    # language.list offers only what can run: a driver that is unavailable as a whole is in `initialize`'s and
    # /health's drivers instead (Tests/e2e/test_drivers.py), with the same hint.
    with box.client() as c:
        assert "typescript" not in languages(c)
        init = next(d for d in c.call("initialize")["drivers"] if d["name"] == "deno")
        assert init["state"] == "unavailable" and "pip install deno" in str(init["installHint"]), init
    # Following the hint (a deno binary in /usr/local/bin), then a reload (SIGHUP), brings its languages.
    deno_bin = shutil.which("deno")
    assert deno_bin, "deno not installed on this machine (scripts/setup.sh installs it)"
    r = subprocess.run(["docker", "cp", "-L", os.path.realpath(deno_bin), f"{NAME}:/usr/local/bin/deno"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    box.sh(f"kill -HUP {box.pid()}")
    with box.client() as c:
        wait_until(lambda: languages(c).get("typescript", {}).get("available"), 60, "typescript after SIGHUP")
        sid = c.session_when_ready("typescript")
        r = c.execute(sid, {"type": "execute", "code": "const n: number = 6 * 7; console.log(n)"})
        assert r["success"] and r["result"]["stdout"] == "42\n", r


def test_an_upgrade_keeps_the_edited_config_and_the_audit_log(box, newer_debs):
    box.sh("sed -i 's/\"maxSessions\": 200/\"maxSessions\": 123/' /etc/codebeaker/config.json")
    box.stop_host()
    audit = box.sh("cat /var/log/codebeaker/audit/audit-*.jsonl").stdout
    assert "session" in audit, "no audit events before the upgrade"
    new = newer_debs["codebeaker"].name.split("_")[1]
    box.sh(f"{APT} install /debs/v2/codebeaker_*.deb /debs/v2/codebeaker-driver-python_*.deb "
           "/debs/v2/codebeaker-driver-deno_*.deb")
    assert box.sh("dpkg-query -W -f '${Version}' codebeaker").stdout == new
    assert json.loads(box.sh("cat /etc/codebeaker/config.json").stdout)["maxSessions"] == 123
    assert box.sh("cat /var/log/codebeaker/audit/audit-*.jsonl").stdout.startswith(audit)
    box.start_host()
    with box.client() as c:
        sid = c.session_when_ready("python")
        assert c.execute(sid, {"type": "execute", "code": "print(6*7)"})["result"]["stdout"] == "42\n"


def test_a_broken_config_is_refused_naming_the_key(box):
    box.stop_host()
    box.sh("cp /etc/codebeaker/config.json /root/config.good && "
           "sed -i 's/\"maxSessions\": 123/\"maxSessions\": \"many\"/' /etc/codebeaker/config.json")
    unit = box.sh("cat /lib/systemd/system/codebeaker.service").stdout
    # The commands systemd runs: ExecStartPre refuses, so the service never starts; ExecStart alone refuses too.
    for key in ("ExecStartPre", "ExecStart"):
        cmd = re.search(rf"^{key}=(.*)$", unit, re.M).group(1)
        r = box.sh(f"timeout 20 {cmd}", check=False)
        assert r.returncode == 2 and "'maxSessions'" in r.stderr, (key, r.returncode, r.stderr)
    box.sh("cp /root/config.good /etc/codebeaker/config.json")
