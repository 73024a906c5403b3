"""The blocking client against a real server: code, one-off runs, stdin and env, files, limits, typed errors."""
import pytest

import codebeaker
from codebeaker import CommandError, InvalidParamsError, NotFoundError, RunResult, RuntimeUnavailableError


def test_run_code_in_a_session_and_a_failed_exit_is_a_result(cb):
    with cb.create_session("python") as s:
        r = s.run("print(6*7)")
        assert isinstance(r, RunResult)
        assert (r.success, r.exit_code, r.stdout, r.stderr, r.timed_out, r.truncated) == (True, 0, "42\n", "", False, False)
        assert r.execution_id.startswith("x_") and r.duration_ms >= 0
        bad = s.run("import sys; sys.exit(3)")
        assert (bad.success, bad.exit_code) == (False, 3) and "3" in bad.error


def test_session_context_manager_closes_the_session(cb):
    with cb.create_session("python", memoryLimitMB=256) as s:
        assert s.info.language == "python" and s.info.config["memoryLimitMB"] == 256
        assert s.id in [i.session_id for i in cb.list_sessions()]
    assert s.id not in [i.session_id for i in cb.list_sessions()]


def test_one_off_run_with_stdin_and_env(cb):
    r = cb.run("python", "import sys, os\nprint(sys.stdin.read().upper(), os.environ['G'])", stdin="hi", env={"G": "hello"})
    assert r.success and r.stdout == "HI hello\n", r


def test_stdin_env_and_language_in_a_session(cb):
    with cb.create_session("javascript") as s:
        r = s.run("const fs=require('fs');console.log(fs.readFileSync(0,'utf8').toUpperCase(), process.env.G)",
                  stdin="hi", env={"G": "hello"})
        assert r.stdout == "HI hello\n", r


def test_stateful_session_keeps_variables(cb):
    with cb.create_session("python", stateful=True) as s:
        assert s.run("x = 10").success
        assert s.run("print(x * 2)").stdout == "20\n"


def test_shell_runs_a_program_from_path_in_a_working_directory(cb):
    with cb.create_session("python") as s:
        s.create_directory("sub")
        s.write_file("sub/a.txt", "x")
        r = s.shell("sh", "-c", "pwd; ls", cwd="/workspace/sub")
        assert r.success and r.stdout == "/workspace/sub\na.txt\n", r


def test_files_round_trip_text_and_bytes_and_a_missing_file_raises(cb):
    with cb.create_session("python") as s:
        assert s.write_file("a.txt", "hello ") == 6
        s.write_file("a.txt", "world", append=True)
        assert s.read_file("/workspace/a.txt") == "hello world"
        blob = bytes(range(256))
        s.write_file("b.bin", blob)
        assert s.read_bytes("b.bin") == blob
        s.copy_file("a.txt", "c.txt")
        names = [(e.name, e.type, e.size) for e in s.list_files()]
        assert names == [("a.txt", "file", 11), ("b.bin", "file", 256), ("c.txt", "file", 11)], names
        assert [e.path for e in s.list_files(recursive=True, pattern="*.txt")] == ["/workspace/a.txt", "/workspace/c.txt"]
        s.delete_file("c.txt")
        with pytest.raises(CommandError, match="not found|No such"):
            s.read_file("c.txt")
        with pytest.raises(CommandError):
            s.read_file("/etc/passwd")
        # Code sees what the file commands wrote.
        assert s.run("print(open('a.txt').read())").stdout == "hello world\n"


def test_timeout_and_truncation_flags(cb):
    with cb.create_session("python") as s:
        t = s.run("while True: pass", timeout=2)
        assert (t.success, t.timed_out) == (False, True) and "timed out" in t.error
        big = s.run("import sys\nsys.stdout.write('x' * 3_000_000)\nprint('tail', file=sys.stderr)")
        assert big.truncated and big.stdout_truncated and not big.stderr_truncated, big
        assert big.stderr == "tail\n" and len(big.stdout) < 3_000_000


def test_json_rpc_errors_are_typed(cb):
    with pytest.raises(NotFoundError) as e:
        cb.session("s_" + "0" * 32).run("print(1)")
    assert e.value.code == -32001
    with pytest.raises(RuntimeUnavailableError) as e:
        cb.create_session("klingon")
    assert e.value.code == -32002 and "python" in e.value.message
    with pytest.raises(InvalidParamsError) as e:
        cb.create_session("python", memoryLimitMB=1)
    assert e.value.code == -32602 and e.value.data["field"] == "memoryLimitMB", e.value.data
    assert isinstance(e.value, codebeaker.CodeBeakerError)


def test_languages_and_initialize(cb):
    info = cb.initialize()
    assert info["name"] == "codebeaker" and info["capabilities"]["streaming"] is True
    langs = cb.languages()
    names = {lang.name for lang in langs}
    assert all(lang.runtimes and lang.extensions for lang in langs if lang.available), langs
    assert {"python", "javascript"} <= names, names


def test_a_request_timeout_raises_instead_of_hanging(cb):
    with cb.create_session("python") as s:
        with pytest.raises(codebeaker.RequestTimeoutError):
            cb.call("session.execute", {"sessionId": s.id, "command": {"type": "execute_code",
                                                                       "code": "import time; time.sleep(30)"}}, timeout=0.5)
