"""The seeds' Docker and Deno examples, sent verbatim over a real WebSocket to the real `codebeaker` binary,
plus container cleanup (count before/after, including `kill -9` of the docker driver).

Skipped, with the reason, when the Docker daemon socket is absent, the images are not built, or the host
does not serve sessions yet.
"""
import json
import os
import signal
import subprocess

import pytest
from conftest import wait_until  # noqa: E402

SOCK = "/var/run/docker.sock"


def docker_containers():
    out = subprocess.run(["docker", "ps", "-aq", "--no-trunc", "--filter", "label=codebeaker.driver=docker"],
                         capture_output=True, text=True, check=True).stdout
    return set(out.split())


def session_containers():
    """Containers of sessions (the warm pool's, named codebeaker-pool-*, excluded)."""
    out = subprocess.run(["docker", "ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}}",
                          "--filter", "label=codebeaker.driver=docker"], capture_output=True, text=True, check=True).stdout
    return {l.split()[0] for l in out.splitlines() if not l.split()[1].startswith("codebeaker-pool-")}


@pytest.fixture(scope="module")
def docker_ready():
    if not os.path.exists(SOCK):
        pytest.skip(f"no Docker daemon socket at {SOCK}")
    for img in ("codebeaker-python", "codebeaker-nodejs", "codebeaker-go"):
        if subprocess.run(["docker", "image", "inspect", img], capture_output=True).returncode != 0:
            pytest.skip(f"{img} not built: run scripts/build-runtime-images.sh")


@pytest.fixture
def srv(docker_ready, start_server):
    before = docker_containers()
    s = start_server(env={"CODEBEAKER_DOCKER_POOL": "1", "CODEBEAKER_DOCKER_ADOPT_GRACE_MS": "5000"})
    c = s.client()
    # The server is ready when any driver is; these tests need the docker driver.
    def ready():
        langs = json.dumps(c.call("language.list", {}))
        return '"go"' in langs and '"deno"' in langs
    assert wait_until(ready, 60), "docker and deno drivers ready"
    yield s, c
    c.close()
    s.stop()
    if not wait_until(lambda: not (docker_containers() - before), 30):
        left = docker_containers() - before
        info = subprocess.run(["docker", "inspect", "-f", "{{.Name}} {{.State.Status}} {{.Created}} {{.Config.Labels}}", *left],
                              capture_output=True, text=True).stdout
        pytest.fail(f"containers left after the server stopped: {info}\n" + s.logs()[-3000:])


def send_verbatim(client, text, timeout=120):
    msg = json.loads(text)
    client.send_raw(json.dumps(msg))
    return client.wait_for(msg["id"], timeout)


def create(client, params):
    r = send_verbatim(client, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.create", "params": params}))
    assert "result" in r, r
    return r["result"]


def execute(client, sid, command, rid=2):
    r = send_verbatim(client, json.dumps({"jsonrpc": "2.0", "id": rid, "method": "session.execute",
                                          "params": {"sessionId": sid, "command": command}}))
    assert "result" in r, r
    return r["result"]


def test_seed_go_example_runs_in_a_docker_container(srv):
    _, c = srv
    # The runtimes driver also serves go (native, faster to start, so the balanced preference picks it); this
    # test is about the Docker path, so it names that runtime.
    res = create(c, {"language": "go", "runtimeType": "Docker"})
    sid, cid = res["sessionId"], res["containerId"]
    assert cid in docker_containers(), "containerId is the real Docker container id"
    w = send_verbatim(c, json.dumps({"jsonrpc": "2.0", "id": 2, "method": "session.execute", "params": {
        "sessionId": sid, "command": {"type": "write_file", "path": "/workspace/main.go",
                                      "content": "package main\n\nimport \"fmt\"\n\nfunc main() {\n fmt.Println(\"Hello from Go\")\n}"}}}))
    assert w["result"]["success"] is True, w
    r = send_verbatim(c, json.dumps({"jsonrpc": "2.0", "id": 3, "method": "session.execute", "params": {
        "sessionId": sid, "command": {"type": "execute_shell", "commandName": "go", "args": ["run", "/workspace/main.go"]}}}))
    assert r["result"]["success"] is True, r
    assert r["result"]["result"]["stdout"] == "Hello from Go\n"
    c.call("session.close", {"sessionId": sid})
    assert wait_until(lambda: cid not in docker_containers(), 15), "closed session's container removed"


@pytest.mark.parametrize("language,code,expected", [
    ("python", "print('Hello from CodeBeaker!')", "Hello from CodeBeaker!\n"),
    ("javascript", 'console.log("Hello from CodeBeaker!");', "Hello from CodeBeaker!\n"),
])
def test_python_and_javascript_with_runtime_type_docker(srv, language, code, expected):
    _, c = srv
    res = create(c, {"language": language, "runtimeType": "Docker", "memoryLimitMB": 256})
    assert res["containerId"] in docker_containers()
    r = execute(c, res["sessionId"], {"type": "execute", "code": code})
    assert r["success"] is True and r["result"]["stdout"] == expected, r
    c.call("session.close", {"sessionId": res["sessionId"]})


def test_csharp_without_an_image_says_bring_your_own(srv):
    _, c = srv
    r = send_verbatim(c, '{"jsonrpc": "2.0", "id": 1, "method": "session.create", "params": { "language": "csharp" }}')
    assert "error" in r, r
    assert "dockerImage" in json.dumps(r["error"]), r


def test_deno_seed_typescript_and_permissions(srv):
    _, c = srv
    res = create(c, {"language": "deno", "idleTimeoutMinutes": 30})
    r = execute(c, res["sessionId"], {"type": "execute_code", "code": (
        "const greeting: string = 'Hello from Deno!';\nconsole.log(greeting);\n"
        "const sum = (a: number, b: number): number => a + b;\nconsole.log(`Sum: ${sum(10, 20)}`);")})
    assert r["success"] is True and r["result"]["stdout"] == "Hello from Deno!\nSum: 30\n", r
    c.call("session.close", {"sessionId": res["sessionId"]})

    res = create(c, {"language": "deno", "permissions": {"allowRead": ["/workspace"], "allowWrite": ["/workspace"],
                                                         "allowNet": False, "allowEnv": False}})
    sid = res["sessionId"]
    r = execute(c, sid, {"type": "execute_code", "code": (
        "await Deno.writeTextFile('/workspace/data.txt', 'Hello!');\n"
        "const content = await Deno.readTextFile('/workspace/data.txt');\nconsole.log(content);")})
    assert r["success"] is True and r["result"]["stdout"] == "Hello!\n", r
    r = execute(c, sid, {"type": "execute_code", "code": "const response = await fetch('https://api.github.com');"}, rid=3)
    assert r["success"] is False, r
    assert "Requires net access" in json.dumps(r), r
    c.call("session.close", {"sessionId": sid})


def test_deno_seed_calculator_import(srv):
    _, c = srv
    sid = create(c, {"language": "deno"})["sessionId"]
    w = send_verbatim(c, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "session.execute", "params": {
        "sessionId": sid, "command": {"type": "write_file", "path": "calculator.ts", "content": (
            "interface Calculator {\n add(a: number, b: number): number;\n}\n\nconst calc: Calculator = {\n"
            " add: (a, b) => a + b\n};\n\nconsole.log('Result:', calc.add(15, 25));")}}}))
    assert w["result"]["success"] is True, w
    r = execute(c, sid, {"type": "execute_code", "code": "// Import from file\nimport('./calculator.ts');"})
    assert r["success"] is True and r["result"]["stdout"] == "Result: 40\n", r
    c.call("session.close", {"sessionId": sid})


def driver_pid(server_pid, name="codebeaker-driver-docker"):
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                stat = f.read()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            exe = os.readlink(f"/proc/{pid}/exe")
        except OSError:
            continue
        if ppid == server_pid and exe.endswith(name):
            return int(pid)
    return None


def test_kill_9_of_the_docker_driver_leaks_nothing(srv):
    s, c = srv
    before = session_containers()
    sids = [create(c, {"language": "python", "runtimeType": "Docker"})["sessionId"] for _ in range(2)]
    pid = driver_pid(s.proc.pid)
    assert pid, "docker driver process found"
    os.kill(pid, signal.SIGKILL)
    # The host restarts the driver; its sessions are re-adopted or reported gone, never leaked.
    assert wait_until(lambda: driver_pid(s.proc.pid) not in (None, pid), 60), "driver restarted"
    for sid in sids:
        c.request("session.close", {"sessionId": sid})
    if not wait_until(lambda: not (session_containers() - before), 30):
        left = session_containers() - before
        info = subprocess.run(["docker", "inspect", "-f", "{{.Id}} {{.Name}} {{.State.Status}} {{.Created}}", *left],
                              capture_output=True, text=True).stdout
        pytest.fail(f"session containers left: {info} sessions {sids}\n" + s.logs()[-5000:])
