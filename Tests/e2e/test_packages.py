"""install_packages end to end (issue 6): the real server and drivers over WebSocket.

Network: only PyPI is reachable here, so the pip tests that need the index are few and install `six` (11 kB)
and the seed's `requests`; everything else installs from files built inside the session, offline.
"""
import base64
import io
import json
import os
import tarfile
import time

import pytest

from cbclient import RPCError, refusal_text

SIX = "six==1.17.0"  # Debian ships six 1.16.0 system-wide: a pinned newer one proves the venv is used


def session(client, language, runtime):
    """A session on exactly this runtime, waiting for its driver (the server is ready when any driver is)."""
    deadline = time.time() + 30
    while True:
        try:
            return client.session(language, runtimeType=runtime)
        except RPCError as e:
            if e.code != -32002 or time.time() > deadline or "unavailableDrivers" in str(e.data) and runtime in str(e.data.get("unavailableDrivers")):
                raise
            time.sleep(0.2)


def install(client, sid, timeout=300, **cmd):
    command = {"type": "install_packages"}
    command.update(cmd)
    return client.execute(sid, command, timeout=timeout)


def code(client, sid, src):
    return client.execute(sid, {"type": "execute_code", "code": src})


def shell(client, sid, cmd, *args, timeout=120):
    return client.execute(sid, {"type": "execute_shell", "commandName": cmd, "args": list(args)}, timeout=timeout)


def write(client, sid, path, content, encoding=None):
    cmd = {"type": "write_file", "path": path, "content": content}
    if encoding:
        cmd["encoding"] = encoding
    return client.execute(sid, cmd)


def test_pip_installs_six_into_the_session_venv_and_code_and_shell_import_it(client):
    sid = session(client, "python", "Python")
    r = client.execute(sid, {"type": "install_packages", "packages": [SIX]}, timeout=300, stream=True)
    assert r["success"] is True, r
    res = r["result"]
    assert res["exitCode"] == 0 and {"name": "six", "version": "1.17.0"} in res["installed"], res
    assert res["venv"] == "/workspace/.venv" and res["durationMs"] > 0
    progress = [n["params"]["message"] for n in client.notifications if n.get("method") == "session.progress"]
    assert any("six" in m for m in progress), progress

    out = code(client, sid, "import six, sys; print(six.__version__, six.__file__)")
    assert out["result"]["stdout"].startswith("1.17.0 /workspace/.venv/lib/"), out
    sh = shell(client, sid, "python3", "-c", "import six; print(six.__version__)")
    assert sh["result"]["stdout"] == "1.17.0\n", sh
    # `python3` and `pip` on PATH are the venv's.
    which = shell(client, sid, "sh", "-c", "command -v python3; command -v pip")
    assert which["result"]["stdout"].split() == ["/workspace/.venv/bin/python3", "/workspace/.venv/bin/pip"], which
    show = shell(client, sid, "pip", "show", "six")
    assert "Version: 1.17.0" in show["result"]["stdout"], show
    # Executions stay offline even though the install had the network.
    net = code(client, sid, "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=2); print('online')\nexcept OSError as e:\n    print('offline')")
    assert net["result"]["stdout"] == "offline\n", net


def test_requirements_file_in_the_workspace_is_installed(client):
    sid = session(client, "python", "Python")
    write(client, sid, "requirements.txt", f"# pinned\n{SIX}  # small\n\n")
    r = install(client, sid, packages=[], requirementsFile="requirements.txt")
    assert r["success"] is True and r["result"]["cache"] == "shared", r
    assert code(client, sid, "import six; print(six.__version__)")["result"]["stdout"] == "1.17.0\n"
    # A requirements file that smuggles an index option is refused before anything runs.
    write(client, sid, "evil.txt", "--index-url http://127.0.0.1:9/simple\nsix\n")
    msg = refusal_text(lambda: install(client, sid, packages=[], requirementsFile="evil.txt"))
    assert "evil.txt" in msg and "--index-url" in msg, msg


@pytest.mark.parametrize("bad, why", [
    ("six; rm -rf /", ";"),
    ("six && id", "&"),
    ("$(id)", "$"),
    ("`id`", "`"),
    ("six\nrequests", "control character|newline"),
    ("--index-url=http://127.0.0.1:9/simple", "option"),
    ("-e", "option"),
    ("git+https://127.0.0.1/x.git", "URL|repository"),
    ("file:/etc/passwd", "outside the workspace"),
])
def test_bad_package_names_are_refused_with_a_clear_error(client, bad, why):
    import re
    sid = session(client, "python", "Python")
    msg = refusal_text(lambda: install(client, sid, packages=[bad]))
    assert re.search(why, msg), msg
    # Nothing was installed: not even the venv was created.
    assert code(client, sid, "import os; print(os.path.exists('/workspace/.venv'))")["result"]["stdout"] == "False\n"


def tiny_project(client, sid):
    """A tiny pure-python project in the workspace, built into a wheel inside the sandbox (offline)."""
    write(client, sid, "src/cbtiny/__init__.py", "GREETING = 'hello from cbtiny'\n")
    write(client, sid, "src/setup.py", "from setuptools import setup\nsetup(name='cbtiny', version='0.1', packages=['cbtiny'])\n")
    r = shell(client, sid, "python3", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
              "-w", "/workspace/wheels", "/workspace/src")
    assert r["result"]["exitCode"] == 0, r
    files = client.execute(sid, {"type": "list_directory", "path": "wheels"})
    return json.dumps(files)


def test_offline_install_from_a_local_wheel_directory(start_server, tmp_path):
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"security": {"allowedPackageFlags": ["--no-index", "--find-links", "--upgrade"]}}))
    s = start_server("--config", str(config))
    c = s.client()
    try:
        sid = session(c, "python", "Python")
        assert "cbtiny-0.1-py3-none-any.whl" in tiny_project(c, sid)
        r = install(c, sid, packages=["cbtiny"], flags=["--no-index", "--find-links=/workspace/wheels"])
        assert r["success"] is True and r["result"]["installed"] == [{"name": "cbtiny", "version": "0.1"}], r
        assert code(c, sid, "import cbtiny; print(cbtiny.GREETING)")["result"]["stdout"] == "hello from cbtiny\n"
        # A find-links directory outside the workspace is refused by the driver itself.
        msg = refusal_text(lambda: install(c, sid, packages=["cbtiny"], flags=["--no-index", "--find-links=/etc"]))
        assert "/workspace" in msg, msg
    finally:
        c.close()


def test_local_wheel_file_by_path_installs_and_a_local_source_dir_is_refused(client):
    sid = session(client, "python", "Python")
    tiny_project(client, sid)
    r = install(client, sid, packages=["./wheels/cbtiny-0.1-py3-none-any.whl"])
    assert r["success"] is True and {"name": "cbtiny", "version": "0.1"} in r["result"]["installed"], r
    msg = refusal_text(lambda: install(client, sid, packages=["./src"]))
    assert "not a wheel" in msg, msg


def test_seed_shell_pip_install_then_import_requests(client):
    """The seed: execute_shell `pip install --no-cache-dir requests`, write a file, run it."""
    sid = session(client, "python", "Python")
    r = shell(client, sid, "pip", "install", "--no-cache-dir", "requests", timeout=300)
    assert r["result"]["exitCode"] == 0, r
    write(client, sid, "/workspace/api_test.py", 'import requests\nprint("requests version:", requests.__version__)')
    out = shell(client, sid, "python3", "api_test.py")
    assert out["result"]["stdout"].startswith("requests version: "), out
    # A shell install cannot smuggle options either.
    msg = refusal_text(lambda: shell(client, sid, "pip", "install", "--index-url", "http://127.0.0.1:9/simple", "six"))
    assert "not an allowed pip option" in msg, msg


def npm_package(client, sid, name="cb-left-pad", version="1.0.0"):
    write(client, sid, f"pkgsrc/{name}/package.json", json.dumps({"name": name, "version": version, "main": "index.js"}))
    write(client, sid, f"pkgsrc/{name}/index.js", "module.exports = (s, n) => String(s).padStart(n, '*');\n")


def test_npm_installs_a_local_tarball_and_require_works(client):
    sid = session(client, "javascript", "NodeJs")
    npm_package(client, sid)
    # A tarball like `npm pack` makes (package/ prefix), built in the test and written as base64.
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for fname, body in [("package.json", json.dumps({"name": "cb-shout", "version": "2.1.0", "main": "index.js"})),
                            ("index.js", "module.exports = s => s.toUpperCase() + '!';\n")]:
            data = body.encode()
            info = tarfile.TarInfo("package/" + fname)
            info.size = len(data)
            info.mode = 0o644
            t.addfile(info, io.BytesIO(data))
    write(client, sid, "cb-shout-2.1.0.tgz", base64.b64encode(buf.getvalue()).decode(), encoding="base64")

    r = client.execute(sid, {"type": "install_packages", "packages": ["./cb-shout-2.1.0.tgz", "./pkgsrc/cb-left-pad"]},
                       timeout=300, stream=True)
    assert r["success"] is True, r
    got = {(p["name"], p["version"]) for p in r["result"]["installed"]}
    assert {("cb-shout", "2.1.0"), ("cb-left-pad", "1.0.0")} <= got, r
    out = code(client, sid, "const shout = require('cb-shout'); const pad = require('cb-left-pad'); console.log(shout('hi'), pad('x', 3))")
    assert out["result"]["stdout"] == "HI! **x\n", out
    # package.json was updated by npm; installing with no packages installs its dependencies again.
    shell(client, sid, "rm", "-rf", "node_modules")
    r2 = install(client, sid, packages=[])
    assert r2["success"] is True, r2
    assert code(client, sid, "console.log(require('cb-shout')('ok'))")["result"]["stdout"] == "OK!\n"


def test_npm_global_goes_to_the_session_prefix_not_the_host(client):
    sid = session(client, "javascript", "NodeJs")
    npm_package(client, sid, "cb-global-tool", "0.3.0")
    r = install(client, sid, packages=["./pkgsrc/cb-global-tool"], **{"global": True})
    assert r["success"] is True and r["result"]["prefix"] == "/workspace/.global", json.dumps(r)
    assert not os.path.exists("/usr/lib/node_modules/cb-global-tool")
    out = code(client, sid, "console.log(require('cb-global-tool')('g', 2))")
    assert out["result"]["stdout"] == "*g\n", out


def test_npm_refuses_options_and_repository_shorthands(client):
    sid = session(client, "javascript", "NodeJs")
    assert "option" in refusal_text(lambda: install(client, sid, packages=["--registry=http://127.0.0.1:9"]))
    assert "repository" in refusal_text(lambda: install(client, sid, packages=["someone/somerepo"]))


def test_bun_adds_a_local_folder_package_and_import_works(client):
    try:
        sid = session(client, "javascript", "Bun")
    except RPCError as e:
        pytest.skip(f"bun runtime not available: {e.message}")
    npm_package(client, sid, "cb-bun-pad", "1.2.3")
    r = client.execute(sid, {"type": "install_packages", "packages": ["./pkgsrc/cb-bun-pad"]}, timeout=300)
    assert r["success"] is True and r["result"]["manager"] == "bun", json.dumps(r)
    assert {"name": "cb-bun-pad", "version": "1.2.3"} in r["result"]["installed"], json.dumps(r)
    out = code(client, sid, "const pad = require('cb-bun-pad'); console.log(pad('b', 3))")
    assert out["result"]["stdout"] == "**b\n", json.dumps(out)


def test_code_planted_in_the_venv_does_not_run_in_the_networked_installer(client):
    """Session code can write its venv; a .pth file or a fake `keyring` there must not run during an install."""
    sid = session(client, "python", "Python")
    assert install(client, sid, packages=[SIX])["success"] is True
    site = "/workspace/.venv/lib/python3.11/site-packages"
    write(client, sid, f"{site}/zz_evil.pth", "import os; open('/workspace/PWNED-pth', 'w').write(str(os.getuid()))\n")
    write(client, sid, f"{site}/keyring/__init__.py", "open('/workspace/PWNED-keyring', 'w')\n")
    write(client, sid, f"{site}/pip/__init__.py", "open('/workspace/PWNED-pip', 'w')\n")
    # Executions do process the venv's .pth files (as the venv's own interpreter would): remove the marker after.
    code(client, sid, "pass")
    shell(client, sid, "rm", "-f", "/workspace/PWNED-pth")
    r = install(client, sid, packages=[SIX], flags=["--upgrade"])  # --upgrade: pip itself runs in the session
    assert r["success"] is True, r
    listing = json.dumps(client.execute(sid, {"type": "list_directory", "path": "/workspace"}))
    assert "PWNED" not in listing, listing


def test_a_cached_set_never_hides_a_different_version_already_in_the_venv(client):
    sid = session(client, "python", "Python")
    assert install(client, sid, packages=[SIX])["success"] is True
    r = install(client, sid, packages=["six==1.16.0"])
    assert r["success"] is True, r
    assert code(client, sid, "import six; print(six.__version__)")["result"]["stdout"] == "1.16.0\n"


def test_the_shared_cache_is_root_owned_and_invisible_to_executions(client):
    sid = session(client, "python", "Python")
    assert install(client, sid, packages=[SIX])["success"] is True
    wheels = "/var/lib/codebeaker/pkgcache/pip/wheels"
    six = [f for f in os.listdir(wheels) if f.startswith("six-1.17.0-")]
    assert six, os.listdir(wheels)
    st = os.stat(os.path.join(wheels, six[0]))
    assert st.st_uid == 0 and st.st_mode & 0o022 == 0
    assert os.stat(wheels).st_uid == 0 and os.stat(wheels).st_mode & 0o022 == 0
    out = code(client, sid, "import os; print(os.path.exists('/opt/codebeaker-packages'), os.path.exists('/var/lib/codebeaker'))")
    assert out["result"]["stdout"] == "False False\n", out


def test_shell_npm_install_is_an_install_and_other_shells_stay_offline(client):
    sid = session(client, "javascript", "NodeJs")
    npm_package(client, sid, "cb-shell-pad", "0.0.1")
    r = shell(client, sid, "npm", "install", "./pkgsrc/cb-shell-pad")
    assert r["result"]["exitCode"] == 0, json.dumps(r)
    assert code(client, sid, "console.log(require('cb-shell-pad')('s', 2))")["result"]["stdout"] == "*s\n"
    # Not an install form: runs as a plain, offline shell command.
    net = shell(client, sid, "node", "-e", "require('net').connect(53, '1.1.1.1').on('connect', () => { console.log('online'); process.exit(0) }).on('error', () => { console.log('offline'); process.exit(0) })")
    assert net["result"]["stdout"] == "offline\n", net


def test_stateful_session_sees_packages_installed_after_it_started(client):
    deadline = time.time() + 30
    while True:
        try:
            sid = client.session("python", runtimeType="Python", stateful=True)
            break
        except RPCError as e:
            if e.code != -32002 or time.time() > deadline:
                raise
            time.sleep(0.2)
    assert code(client, sid, "x = 41")["success"] is True
    assert install(client, sid, packages=[SIX])["success"] is True
    out = code(client, sid, "import six; print(six.__version__, x + 1)")
    assert out["result"]["stdout"] == "1.17.0 42\n", out


def test_an_install_that_outlives_its_timeout_is_killed_and_reported(client):
    """A shell install gets the shell's timeout (install_packages gets the server's, 300 s by default)."""
    sid = session(client, "python", "Python")
    staging = "/var/lib/codebeaker/pkgcache/pip/staging"
    before = set(os.listdir(staging)) if os.path.isdir(staging) else set()
    r = client.execute(sid, {"type": "execute_shell", "commandName": "pip", "args": ["install", "--upgrade", "requests"],
                             "timeout": 1}, timeout=60)
    assert r["success"] is False and r["result"]["timedOut"] is True, json.dumps(r)
    # The session still works, and no half-finished fetch was published.
    assert code(client, sid, "print('alive')")["result"]["stdout"] == "alive\n"
    assert set(os.listdir(staging)) - before == set()
