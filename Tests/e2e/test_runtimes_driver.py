"""The runtimes driver (docs/runtimes.md) over a real WebSocket: languages from manifest files, a compile step
with a per-session cache, broken and unavailable manifests, compile bombs, and a manifest added while the host
runs. Fixtures: Tests/Fixtures/runtimes/ (good/ and broken/ are copied, so a test may add files).

Needs `swift build`, bubblewrap, ruby, gcc and g++ (scripts/setup.sh --test installs them)."""
import os
import re
import shutil
import subprocess
import tempfile

import pytest

from conftest import BINARY, BUILD, ROOT, Server, wait_until
from cbclient import RPCError

FIXTURES = ROOT / "Tests" / "Fixtures" / "runtimes"
DRIVER = BUILD / "codebeaker-driver-runtimes"
HELLO_C = '#include <stdio.h>\nint main(void) { puts("hello from c"); return 0; }\n'


def need(*tools):
    for t in tools:
        if not (os.access(t, os.X_OK) if t.startswith("/") else shutil.which(t)):
            pytest.skip(f"{t} is not installed (scripts/setup.sh --test installs it)")


@pytest.fixture(scope="module")
def rt():
    """A host with only the runtimes driver, reading copies of the fixture directories plus an empty `hot` one."""
    if not DRIVER.exists():
        raise RuntimeError(f"{DRIVER} not found: run `swift build` first")
    tmp = tempfile.mkdtemp(prefix="cb-runtimes-")
    drivers = os.path.join(tmp, "drivers")
    os.makedirs(drivers)
    os.symlink(DRIVER, os.path.join(drivers, "codebeaker-driver-runtimes"))
    dirs = []
    for name in ("good", "broken"):
        shutil.copytree(FIXTURES / name, os.path.join(tmp, name))
        dirs.append(os.path.join(tmp, name))
    hot = os.path.join(tmp, "hot")
    os.makedirs(hot)
    dirs.append(hot)
    server = Server(drivers_dir=drivers, env={"CODEBEAKER_RUNTIMES_DIRS": ":".join(dirs)})
    server.hot = hot
    c = server.client()
    # The first version probes end within seconds; their result arrives by capabilities.changed at the latest.
    wait_until(lambda: "probe still running" not in str(c.call("language.list")), 30, "version probes settled")
    c.close()
    yield server
    server.stop()
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def client(rt):
    c = rt.client()
    yield c
    c.close()


def languages(c):
    return {entry["name"]: entry for entry in c.call("language.list")["languages"]}


def run(c, sid, code, **extra):
    return c.execute(sid, {"type": "execute_code", "code": code, **extra}, timeout=120)


def build_dirs():
    root = "/var/lib/codebeaker/runtimes-driver/build"
    return os.listdir(root) if os.path.isdir(root) else []


def test_language_list_shows_every_language_with_version_and_availability(client):
    need("ruby", "gcc")
    langs = languages(client)
    assert langs["ruby"]["available"] is True
    assert langs["ruby"]["version"].startswith("3."), langs["ruby"]
    assert langs["ruby"]["runtimes"][0]["driver"] == "runtimes"
    assert langs["c"]["available"] is True and langs["c"]["version"][0].isdigit()
    assert "gcc" in langs["c"]["aliases"]


def test_ruby_hello_runs_in_the_workspace(client):
    need("ruby")
    sid = client.session("ruby")
    r = run(client, sid, "puts 'hello from ruby'\nputs Dir.pwd")
    assert r["success"], r
    assert r["result"]["stdout"] == "hello from ruby\n/workspace\n"
    assert r["result"]["phase"] == "run" and "compileCached" not in r["result"]


def test_c_compiles_once_per_source_and_reuses_the_cached_compile(client):
    need("gcc")
    sid = client.session("c")
    first = run(client, sid, HELLO_C)
    assert first["success"], first
    assert first["result"]["stdout"] == "hello from c\n"
    assert first["result"]["phase"] == "run" and first["result"]["compileCached"] is False
    second = run(client, sid, HELLO_C)
    assert second["result"]["stdout"] == "hello from c\n" and second["result"]["compileCached"] is True
    other = run(client, sid, HELLO_C.replace("hello from c", "changed"))
    assert other["result"]["stdout"] == "changed\n" and other["result"]["compileCached"] is False
    again = run(client, sid, HELLO_C)
    assert again["result"]["stdout"] == "hello from c\n" and again["result"]["compileCached"] is True


def test_a_program_that_deletes_its_compiled_binary_gets_a_fresh_compile(client):
    need("gcc")
    sid = client.session("c")
    code = '#include <stdio.h>\n#include <unistd.h>\nint main(int c, char **v) { unlink(v[0]); puts("ran"); return 0; }\n'
    assert run(client, sid, code)["result"]["stdout"] == "ran\n"
    r = run(client, sid, code)
    assert r["success"], r
    assert r["result"]["stdout"] == "ran\n" and r["result"]["compileCached"] is False


def test_execution_run_compiles_and_runs_once_with_the_phase(client):
    need("gcc")
    r = client.call("execution.run", {"language": "gcc", "code": HELLO_C})
    assert r["success"] is True and r["stdout"] == "hello from c\n", r
    assert r["phase"] == "run" and r["compileCached"] is False
    bad = client.call("execution.run", {"language": "c", "code": "int main(void) { return nope; }\n"})
    assert bad["success"] is False and bad["status"] == "failed" and bad["phase"] == "compile"
    assert "nope" in bad["stderr"]


def test_c_compile_error_is_a_failed_result_with_the_compiler_output(client):
    need("gcc")
    sid = client.session("c")
    r = run(client, sid, "int main(void) { return undeclared_thing; }\n")
    assert r["success"] is False
    res = r["result"]
    assert res["phase"] == "compile" and res["compileCached"] is False
    assert res["exitCode"] not in (0, None)
    assert "undeclared_thing" in res["stderr"] and "error" in res["stderr"], res
    assert res["stdout"] == ""
    assert run(client, sid, HELLO_C)["result"]["stdout"] == "hello from c\n"


def test_program_stdin_and_nonzero_exit_pass_through(client):
    need("gcc")
    sid = client.session("c")
    code = '#include <stdio.h>\nint main(void) { char b[64]; if (fgets(b, 64, stdin)) fputs(b, stdout); return 3; }\n'
    r = run(client, sid, code, stdin="piped\n")
    assert r["success"] is False and r["result"]["exitCode"] == 3
    assert r["result"]["stdout"] == "piped\n" and r["result"]["phase"] == "run"


@pytest.mark.parametrize("lang,code", [
    ("c", '#include "/dev/zero"\nint main(void) { return 0; }\n'),
    # 2^40 distinct instantiations: the compiler never finishes (the manifest allows deep templates).
    ("cpp", "template <int N, unsigned long M> struct B {\n"
            "  static const unsigned long v = B<N - 1, M * 2>::v + B<N - 1, M * 2 + 1>::v; };\n"
            "template <unsigned long M> struct B<0, M> { static const unsigned long v = M; };\n"
            "int main() { return (int)B<40, 1>::v; }\n"),
    # The program raises the recursion limit itself; every expansion doubles.
    ("rust", '#![recursion_limit = "100000"]\nmacro_rules! m { () => { m!(); m!(); }; }\nfn main() { m!(); }\n'),
])
def test_compile_bombs_are_contained_and_the_session_still_works(client, lang, code):
    need({"c": "gcc", "cpp": "g++", "rust": "/usr/bin/rustc"}[lang])
    sid = client.session(lang, memoryLimitMB=256)
    r = run(client, sid, code, timeout=10)
    res = r["result"]
    assert r["success"] is False and res["phase"] == "compile", r
    # Stopped by the session's limits, reported as in the run phase (here the 256 MB cgroup, or the time).
    assert res["timedOut"] or "out of memory (limit 256 MB)" in res["reason"], res
    hello = {"c": HELLO_C, "cpp": '#include <cstdio>\nint main() { std::puts("hello from c"); }\n',
             "rust": 'fn main() { println!("hello from c"); }\n'}[lang]
    ok = run(client, sid, hello)
    assert ok["success"], ok
    assert ok["result"]["stdout"] == "hello from c\n"


def test_a_compile_past_its_timeout_is_reported_like_a_run_timeout(client):
    sid = client.session("slowbuild")
    r = run(client, sid, "echo never")
    res = r["result"]
    assert r["success"] is False
    assert res["phase"] == "compile" and res["timedOut"] is True and res["exitCode"] is None
    assert res["reason"] == "compile timed out after 2 s", res
    # The run phase's own timeout reads the same way.
    shell = client.session("ruby")
    t = run(client, shell, "sleep 30", timeout=1)
    assert t["result"]["timedOut"] is True and t["result"]["phase"] == "run"


def test_broken_manifests_show_unavailable_with_file_and_key_and_the_others_work(client):
    langs = languages(client)
    broken = langs["brokenlang"]
    assert broken["available"] is False
    assert "brokenlang.json" in broken["unavailableReason"] and "'timeout'" in broken["unavailableReason"]
    assert "unknown key" in broken["unavailableReason"]
    wrong = langs["wrongtype"]
    assert "wrongtype.json" in wrong["unavailableReason"] and "'run'" in wrong["unavailableReason"]
    with pytest.raises(RPCError) as e:
        client.session("brokenlang")
    assert "brokenlang.json" in e.value.message and "'timeout'" in e.value.message
    assert langs["ruby"]["available"] is True


def test_missing_interpreter_is_unavailable_with_an_install_hint(client):
    n = languages(client)["nosuchlang"]
    assert n["available"] is False
    assert n["installHint"].startswith("apt-get install nosuchlang")
    assert "nosuchlang-interpreter --version" in n["unavailableReason"]
    with pytest.raises(RPCError) as e:
        client.session("nosuchlang")
    assert "apt-get install nosuchlang" in e.value.message


def test_shell_runs_bash_in_the_same_sandbox_and_sees_the_build_directory(client):
    need("gcc")
    sid = client.session("c")
    run(client, sid, HELLO_C)
    r = client.execute(sid, {"type": "shell", "command": "bash", "args": ["-c", "pwd; id -un; ls /build; stat -f -c %T /build"]})
    assert r["success"], r
    lines = r["result"]["stdout"].splitlines()
    assert lines[0] == "/workspace" and lines[1] == "sandbox" and lines[2].startswith("k")
    # Its own tmpfs (the driver runs as root here): compile outputs can never fill the host's disk.
    assert lines[3] == "tmpfs", lines


def test_filling_the_build_directory_is_refused_and_the_next_execute_cleans_it(client):
    need("ruby")
    sid = client.session("ruby", memoryLimitMB=128)
    r = client.execute(sid, {"type": "shell", "command": "bash", "args": [
        "-c", "for i in 1 2 3 4; do head -c 100M /dev/zero > /build/f$i || exit 7; done"]}, timeout=60)
    # The tmpfs is half the session's memory: the write fails (ENOSPC) before the memory limit kills anything.
    assert r["success"] is False and r["result"]["exitCode"] == 7, r
    ok = run(client, sid, "puts 'fine'")
    assert ok["success"] and ok["result"]["stdout"] == "fine\n", ok
    left = client.execute(sid, {"type": "shell", "command": "ls", "args": ["/build"]})
    assert left["result"]["stdout"] == "run\n", left


def test_close_removes_the_sessions_build_directory(client):
    need("ruby")
    sid = client.session("ruby")
    run(client, sid, "puts 1")
    assert [d for d in build_dirs() if d.endswith(sid)], build_dirs()
    client.call("session.close", {"sessionId": sid})
    client.sessions.remove(sid)
    assert not [d for d in build_dirs() if d.endswith(sid)]


def test_a_manifest_dropped_in_while_the_host_runs_works_without_a_restart(rt, client):
    pid = [d for d in client.call("initialize")["drivers"] if d["name"] == "runtimes"][0]["pid"]
    manifest = """{
  "name": "awk",
  "extensions": [".awk"],
  "source": "main.awk",
  "run": ["awk", "-f", "{source}"],
  "version": ["awk", "-W", "version"],
  "packages": ["gawk"],
  "tests": [{"code": "BEGIN { print \\"OK\\" }", "stdout": "OK\\n"}]
}
"""
    tmp = os.path.join(rt.hot, ".awk.json.tmp")
    with open(tmp, "w") as f:
        f.write(manifest)
    os.rename(tmp, os.path.join(rt.hot, "awk.json"))
    entry = wait_until(lambda: languages(client).get("awk", {}).get("available"), 30, "awk listed as available")
    assert entry is True
    sid = client.session("awk")
    r = run(client, sid, 'BEGIN { print "hello from awk" }')
    assert r["success"], r
    assert r["result"]["stdout"] == "hello from awk\n"
    # Same driver process: picked up, not restarted.
    assert [d for d in client.call("initialize")["drivers"] if d["name"] == "runtimes"][0]["pid"] == pid
    # A broken edit makes it unavailable with the reason; removing the file removes the language.
    with open(tmp, "w") as f:
        f.write(manifest.replace('"source"', '"sauce"'))
    os.rename(tmp, os.path.join(rt.hot, "awk.json"))
    down = wait_until(lambda: languages(client).get("awk", {}).get("available") is False, 30, "awk unavailable")
    assert down
    assert "awk.json: key 'sauce': unknown key" in languages(client)["awk"]["unavailableReason"]
    os.unlink(os.path.join(rt.hot, "awk.json"))
    wait_until(lambda: "awk" not in languages(client), 30, "awk gone from language.list")


def test_the_conformance_kit_passes_the_driver_on_a_manifest_language():
    need("ruby")
    env = dict(os.environ, CODEBEAKER_RUNTIMES_DIRS=str(FIXTURES / "good"))
    r = subprocess.run([str(BINARY), "driver-test", str(DRIVER), "--language", "ruby"], capture_output=True,
                       text=True, timeout=600, env=env)
    assert r.returncode == 0, r.stdout + r.stderr[-2000:]
    summary = r.stdout.strip().splitlines()[-1]
    assert re.fullmatch(r"\d+ passed, 0 failed, 0 skipped", summary), summary


def test_concurrent_opens_of_one_session_build_one_sandbox():
    """Straight over the driver's stdio: two session.open of the same id at once give one build directory."""
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    from driver_client import Driver
    need("ruby")
    d = Driver(str(DRIVER), env=dict(os.environ, CODEBEAKER_RUNTIMES_DIRS=str(FIXTURES / "good")))
    d.handshake()
    ws = tempfile.mkdtemp(prefix="cb-runtimes-ws-")
    os.chown(ws, 1000, 1000)
    params = {"session": "s_twice", "workspace": ws, "language": "ruby", "options": {"uid": 1000, "gid": 1000}}
    a, b = d.send("session.open", params), d.send("session.open", params)
    ra, rb = d.wait(a), d.wait(b)
    assert "result" in ra and "result" in rb, (ra, rb)
    assert sorted([ra["result"].get("readopted", False), rb["result"].get("readopted", False)]) == [False, True]
    assert len([x for x in build_dirs() if x.endswith("-s_twice")]) == 1
    d.call("session.close", {"session": "s_twice"})
    assert not [x for x in build_dirs() if x.endswith("-s_twice")]
    d.close()
    shutil.rmtree(ws, ignore_errors=True)


def test_a_session_opened_while_its_version_probe_runs_waits_for_the_verdict(tmp_path):
    """Right after the driver starts, the probe of a slow toolchain is still running: session.open waits for it
    instead of answering "unavailable: version probe still running" (the kit failed so for lua in CI). The
    driver waits up to 4 s for its probes before its handshake; this one takes 7."""
    import sys
    sys.path.insert(0, str(ROOT / "bench"))
    from driver_client import Driver
    manifest = {"name": "slowprobe", "extensions": [".slow"], "source": "main.sh", "run": ["sh", "{source}"],
                "version": ["sh", "-c", "sleep 7; echo 1.0"]}
    (tmp_path / "slowprobe.json").write_text(__import__("json").dumps(manifest))
    d = Driver(str(DRIVER), env=dict(os.environ, CODEBEAKER_RUNTIMES_DIRS=str(tmp_path)))
    caps = d.handshake()["result"]
    ws = tempfile.mkdtemp(prefix="cb-runtimes-ws-")
    os.chown(ws, 1000, 1000)
    try:
        slow = [l for l in caps["capabilities"]["languages"] if l["name"] == "slowprobe"]
        assert slow and slow[0].get("unavailableReason") == "version probe still running", caps
        r = d.wait(d.send("session.open", {"session": "s_probe", "workspace": ws, "language": "slowprobe",
                                            "options": {"uid": 1000, "gid": 1000}}))
        assert "result" in r, r
        out = d.wait(d.send("execute", {"session": "s_probe", "code": "echo probed", "timeoutMs": 20000}))
        assert out["result"]["stdout"] == "probed\n", out
        d.call("session.close", {"session": "s_probe"})
    finally:
        d.close()
        shutil.rmtree(ws, ignore_errors=True)
