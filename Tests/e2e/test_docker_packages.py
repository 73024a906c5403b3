"""install_packages in Docker sessions (issue 6, "Docker"): pip and npm run in a short-lived sibling container
of the session's (same image, workspace and uid, with network), and later runs in the session's own offline
container see what they installed. Skipped when Docker or the images are missing."""
import os
import subprocess
import time

import pytest

from cbclient import RPCError, refusal_text

SIX = "six==1.17.0"  # Debian ships six 1.16.0: a pinned newer one proves the venv is used


@pytest.fixture(scope="module")
def docker_ready():
    if not os.path.exists("/var/run/docker.sock"):
        pytest.skip("no Docker daemon socket")
    for img in ("codebeaker-python", "codebeaker-nodejs"):
        if subprocess.run(["docker", "image", "inspect", img], capture_output=True).returncode != 0:
            pytest.skip(f"{img} not built: run scripts/build-runtime-images.sh")


def installer_containers():
    out = subprocess.run(["docker", "ps", "-aq", "--filter", "label=codebeaker.installer"],
                         capture_output=True, text=True, check=True).stdout
    return out.split()


def docker_session(client, language):
    deadline = time.time() + 60
    while True:
        try:
            return client.session(language, runtimeType="Docker")
        except RPCError as e:
            if e.code != -32002 or time.time() > deadline:
                raise
            time.sleep(0.3)


def install(client, sid, **cmd):
    return client.execute(sid, dict(type="install_packages", **cmd), timeout=300)


def test_pip_installs_six_in_a_docker_session_and_code_and_shell_import_it(docker_ready, client):
    sid = docker_session(client, "python")
    r = client.execute(sid, {"type": "install_packages", "packages": [SIX], "manager": "pip"}, timeout=300, stream=True)
    res = r["result"]
    assert r["success"] is True, (res.get("stdout"), res.get("stderr"))
    assert res["exitCode"] == 0 and {"name": "six", "version": "1.17.0"} in res["installed"], res
    assert res["venv"] == "/workspace/.venv" and res["manager"] == "pip", res
    print("docker pip install six durationMs", res["durationMs"])
    progress = [n["params"]["message"] for n in client.notifications if n.get("method") == "session.progress"]
    assert any("six" in m for m in progress), progress
    assert installer_containers() == [], "the install container is removed"

    out = client.execute(sid, {"type": "execute_code", "code": "import six; print(six.__version__, six.__file__)"})
    assert out["result"]["stdout"].startswith("1.17.0 /workspace/.venv/lib/"), out
    sh = client.execute(sid, {"type": "execute_shell", "commandName": "python3",
                              "args": ["-c", "import six; print(six.__version__)"]})
    assert sh["result"]["stdout"] == "1.17.0\n", sh
    # The session's own container stays offline.
    net = client.execute(sid, {"type": "execute_code", "code":
                               "import socket\ntry:\n socket.create_connection(('1.1.1.1', 53), timeout=2); print('online')\n"
                               "except OSError: print('offline')"})
    assert net["result"]["stdout"] == "offline\n", net


def test_bad_package_names_are_refused_with_a_clear_error(docker_ready, client):
    sid = docker_session(client, "python")
    msg = refusal_text(lambda: install(client, sid, packages=["six; rm -rf /"], manager="pip"))
    assert "six; rm -rf /" in msg or "not allowed" in msg or "character" in msg, msg
    msg = refusal_text(lambda: install(client, sid, packages=["--index-url=http://127.0.0.1:9/simple"], manager="pip"))
    assert "option" in msg, msg
    msg = refusal_text(lambda: install(client, sid, packages=["file:/etc/passwd"], manager="pip"))
    assert "workspace" in msg, msg
    assert installer_containers() == []


def test_npm_installs_a_local_folder_package_and_require_finds_it(docker_ready, client):
    sid = docker_session(client, "javascript")
    for path, content in [("/workspace/pkg/package.json", '{"name": "cbhello", "version": "1.2.3", "main": "index.js"}'),
                          ("/workspace/pkg/index.js", "module.exports = () => 'hello from cbhello';\n")]:
        w = client.execute(sid, {"type": "write_file", "path": path, "content": content})
        assert w["success"] is True, w
    r = install(client, sid, packages=["./pkg"], manager="npm")
    assert r["success"] is True, (r["result"].get("stdout"), r["result"].get("stderr"))
    assert {"name": "cbhello", "version": "1.2.3"} in r["result"]["installed"], r
    print("docker npm install ./pkg durationMs", r["result"]["durationMs"])
    out = client.execute(sid, {"type": "execute_code", "code": "console.log(require('cbhello')())"})
    assert out["result"]["stdout"] == "hello from cbhello\n", out
    assert refusal_text(lambda: install(client, sid, packages=["file:/etc"], manager="npm"))


def test_code_planted_in_the_venv_does_not_run_in_the_install_container(docker_ready, client):
    sid = docker_session(client, "python")
    assert install(client, sid, packages=[SIX], manager="pip")["success"] is True
    pth = "/workspace/.venv/lib/python3.11/site-packages/zz_planted.pth"
    w = client.execute(sid, {"type": "write_file", "path": pth,
                             "content": "import os; open('/workspace/planted_ran', 'w').write(str(os.getpid()))\n"})
    assert w["success"] is True, w
    again = install(client, sid, packages=[SIX], manager="pip")
    assert again["success"] is True, again
    try:
        r = client.execute(sid, {"type": "read_file", "path": "/workspace/planted_ran"})
        ran = r["success"] is True
    except RPCError:
        ran = False
    assert not ran, "a .pth in the venv ran while the installer had network"
    # The same file does run in the session's own (offline) container, so the check above can fail.
    client.execute(sid, {"type": "execute_code", "code": "pass"})
    r = client.execute(sid, {"type": "read_file", "path": "/workspace/planted_ran"})
    assert r["success"] is True, r


def test_the_seeds_shell_pip_install_works_in_a_docker_session(docker_ready, client):
    """The seed installs with `execute_shell` `pip install --no-cache-dir ...`; the session's container is
    offline, so the driver runs it as an install (sibling container with network) and answers as a shell."""
    sid = docker_session(client, "python")
    r = client.execute(sid, {"type": "execute_shell", "command": "pip", "args": ["install", "--no-cache-dir", SIX],
                             "timeout": 120}, timeout=300)
    assert r["success"] is True, r
    assert "six" in r["result"]["stdout"] + r["result"]["stderr"], r
    assert installer_containers() == []
    out = client.execute(sid, {"type": "execute_code", "code": "import six; print(six.__version__)"})
    assert out["result"]["stdout"] == "1.17.0\n", out
    # Anything that is not exactly an install command stays a plain, offline shell command.
    sh = client.execute(sid, {"type": "execute_shell", "command": "sh", "args": [
        "-c", "pip install --retries 0 --timeout 3 --no-cache-dir tomli-w 2>&1"], "timeout": 60}, timeout=120)
    # tomli-w is on the index (an install would find it); offline, pip sees no version at all.
    assert sh["success"] is False and "from versions: none" in sh["result"]["stdout"], sh


def test_shell_npm_install_of_a_local_folder_in_a_docker_session(docker_ready, client):
    sid = docker_session(client, "javascript")
    for path, content in [("/workspace/pkg/package.json", '{"name": "cbshell", "version": "2.0.0", "main": "index.js"}'),
                          ("/workspace/pkg/index.js", "module.exports = 'from cbshell';\n")]:
        assert client.execute(sid, {"type": "write_file", "path": path, "content": content})["success"]
    r = client.execute(sid, {"type": "execute_shell", "command": "npm", "args": ["install", "./pkg"], "timeout": 120}, timeout=300)
    assert r["success"] is True, r
    out = client.execute(sid, {"type": "execute_code", "code": "console.log(require('cbshell'))"})
    assert out["result"]["stdout"] == "from cbshell\n", out


def test_docker_pip_installs_use_the_hosts_shared_wheel_cache(docker_ready, client):
    """A native python session's install fills the host's wheel cache (the trusted fetch); a Docker session's
    install of the same pin then takes the wheel from it (bound read-only) instead of downloading it."""
    native = client.session("python")
    r = install(client, native, packages=[SIX], manager="pip")
    assert r["success"] is True, r
    sid = docker_session(client, "python")
    r = install(client, sid, packages=[SIX], manager="pip")
    res = r["result"]
    assert r["success"] is True and res["cache"] == "shared", (res.get("cache"), res.get("stdout"), res.get("stderr"))
    assert "Downloading" not in res["stdout"] + res["stderr"], res
    out = client.execute(sid, {"type": "execute_code", "code": "import six; print(six.__version__)"})
    assert out["result"]["stdout"] == "1.17.0\n", out
