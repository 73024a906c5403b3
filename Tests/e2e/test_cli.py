"""`codebeaker run|repl|exec|session` as a user runs them: pipes, files, exit codes, a terminal under tmux,
Ctrl-C, a running server (`--server`), and the bad cases (wrong URL, refused token, a server that dies)."""
import os
import re
import shutil
import signal
import subprocess
import time

import pytest

from conftest import BINARY, Server

CB = str(BINARY)
DEADLINE = 90  # generous: the machine is shared; waits poll for a result, they never assert on speed


def cb(*args, stdin=None, env=None, cwd=None):
    full_env = dict(os.environ)
    full_env.pop("CODEBEAKER_TOKEN", None)
    full_env.update(env or {})
    return subprocess.run([CB, *args], input=stdin, capture_output=True, text=True, timeout=DEADLINE,
                          env=full_env, cwd=cwd)


def one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


@pytest.fixture
def src(tmp_path):
    def write(name, text):
        p = tmp_path / name
        p.write_text(text)
        return str(p)
    return write


def test_code_from_a_pipe():
    r = cb("run", "-l", "python", "-", stdin="print(1)\n")
    assert (r.returncode, r.stdout, r.stderr) == (0, "1\n", "")


def test_language_from_the_file_extension(src):
    assert cb("run", src("a.py", "print('py', 6*7)\n")).stdout == "py 42\n"
    assert cb("run", src("b.js", "console.log('js', 6*7)\n")).stdout == "js 42\n"


def test_exit_codes_are_the_programs(src):
    assert cb("run", src("e.py", "import sys\nsys.exit(3)\n")).returncode == 3
    r = cb("run", src("x.py", "raise ValueError('boom')\n"))
    assert r.returncode == 1 and "ValueError: boom" in r.stderr
    r = cb("run", "--timeout", "1", src("t.py", "import time\ntime.sleep(30)\n"))
    assert r.returncode == 124 and "timed out" in r.stderr


def test_usage_errors_exit_2_with_one_line(src):
    r = cb("run", "--bogus", "a.py")
    assert r.returncode == 2 and one_line(r.stderr) == "codebeaker run: unknown option '--bogus' (see codebeaker run --help)"
    r = cb("run", src("Makefile", "all:\n"))
    assert r.returncode == 2 and "no extension" in one_line(r.stderr)
    assert "USAGE" in cb("run", "--help").stdout


def test_stdin_is_passed_to_a_file_program(src):
    r = cb("run", src("up.py", "import sys\nprint(sys.stdin.read().upper(), end='')\n"), stdin="hello\nworld\n")
    assert (r.returncode, r.stdout) == (0, "HELLO\nWORLD\n")


def test_output_streams_live_and_a_signal_cancels(src):
    prog = src("live.py", "import time\nprint('first', flush=True)\ntime.sleep(60)\nprint('never')\n")
    p = subprocess.Popen([CB, "run", prog], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "first\n"
        assert p.poll() is None  # the first line came while the program still sleeps
        p.send_signal(signal.SIGINT)
        assert p.wait(timeout=DEADLINE) == 130
        assert p.stdout.read() == ""
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()


def test_huge_output_is_truncated_with_a_notice():
    r = cb("run", "-l", "python", "-", stdin="import sys\nsys.stdout.write('a' * 50_000_000)\n")
    assert r.returncode == 0
    assert 0 < len(r.stdout) <= 1 << 20
    assert "output truncated" in one_line(r.stderr)


def test_reader_going_away_cancels_the_program():
    """`codebeaker run … | head -1`: the second write fails (EPIPE), the program is cancelled, we exit 141."""
    p = subprocess.Popen([CB, "run", "--timeout", "300", "-l", "python", "-"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write(b"import time\nwhile True:\n    print('line', flush=True)\n    time.sleep(0.01)\n")
    p.stdin.close()
    assert p.stdout.readline() == b"line\n"
    p.stdout.close()
    assert p.wait(timeout=DEADLINE) == 128 + signal.SIGPIPE
    p.stderr.close()


# ---- --server ----

def test_run_against_a_server(server, src):
    r = cb("run", "--server", server.url, src("s.py", "print('remote')\n"))
    assert (r.returncode, r.stdout) == (0, "remote\n")
    r = cb("run", "--server", server.url, "-l", "javascript", "-", stdin="process.exit(4)\n")
    assert r.returncode == 4


def test_session_commands_and_exec(server, src):
    r = cb("session", "create", "-l", "python", "--server", server.url)
    assert r.returncode == 0, r.stderr
    sid = r.stdout.strip()
    assert sid.startswith("s_")
    try:
        r = cb("exec", sid, src("w.py", "open('/workspace/n.txt','w').write('7')\n"), "--server", server.url)
        assert r.returncode == 0, r.stderr
        r = cb("exec", sid, "-", "--server", server.url, stdin="print(open('/workspace/n.txt').read())\n")
        assert (r.returncode, r.stdout) == (0, "7\n")
        listed = cb("session", "list", "--server", server.url).stdout
        assert any(line.split("\t")[0] == sid for line in listed.splitlines())
    finally:
        assert cb("session", "close", sid, "--server", server.url).returncode == 0
    r = cb("exec", sid, "-", "--server", server.url, stdin="print(1)\n")
    assert r.returncode == 1 and "Session not found" in one_line(r.stderr)


def test_wrong_urls_fail_with_one_line(server, src):
    prog = src("u.py", "print(1)\n")
    port = server.port
    cases = [
        ("ws://127.0.0.1:1/ws/jsonrpc", "connection refused"),
        (f"ws://127.0.0.1:{port}/nowhere", "HTTP 404"),
        ("wss://127.0.0.1:1/ws/jsonrpc", "wss:// is not supported"),
        ("http://127.0.0.1/", "bad server URL"),
    ]
    for url, expected in cases:
        r = cb("run", "--server", url, prog)
        assert r.returncode == 1 and expected in one_line(r.stderr), (url, r.stderr)


def test_token_is_required_and_accepted(start_server, src):
    s = start_server(env={"CODEBEAKER_TOKENS": "alice:s3cret-token-value"})
    prog = src("tok.py", "print('in')\n")
    r = cb("run", "--server", s.url, prog)
    assert r.returncode == 1 and "HTTP 401" in one_line(r.stderr)
    r = cb("run", "--server", s.url, "--token", "wrong", prog)
    assert r.returncode == 1 and "HTTP 401" in one_line(r.stderr)
    assert cb("run", "--server", s.url, "--token", "s3cret-token-value", prog).stdout == "in\n"
    assert cb("run", "--server", s.url, prog, env={"CODEBEAKER_TOKEN": "s3cret-token-value"}).stdout == "in\n"


def test_server_killed_mid_run_is_one_line_not_a_hang(src):
    s = Server()
    try:
        prog = src("k.py", "import time\nprint('up', flush=True)\ntime.sleep(60)\n")
        p = subprocess.Popen([CB, "run", "--server", s.url, prog], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
        assert p.stdout.readline() == "up\n"
        s.proc.kill()
        assert p.wait(timeout=DEADLINE) == 1
        assert "connection lost" in one_line(p.stderr.read())
    finally:
        s.stop()


# ---- a terminal, under tmux ----

class Terminal:
    def __init__(self, tmp_path):
        if shutil.which("tmux") is None:
            pytest.skip("tmux is not installed (scripts/setup.sh --test installs it)")
        self.name = f"cb-cli-{os.getpid()}-{time.monotonic_ns()}"
        self.socket = str(tmp_path / "tmux.sock")
        self.tmux("new-session", "-d", "-s", self.name, "-x", "160", "-y", "50", "bash --norc --noprofile")
        self.tmux("set-option", "-t", self.name, "history-limit", "5000")
        self.type(f"export PS1='$ ' PATH={os.path.dirname(CB)}:$PATH; cd {tmp_path}")

    def tmux(self, *args):
        return subprocess.run(["tmux", "-S", self.socket, *args], capture_output=True, text=True, check=True).stdout

    def type(self, text):
        self.tmux("send-keys", "-t", self.name, "-l", text)
        self.tmux("send-keys", "-t", self.name, "Enter")

    def key(self, key):
        self.tmux("send-keys", "-t", self.name, key)

    def screen(self):
        return self.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", self.name)

    def wait_for(self, predicate, what):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            text = self.screen()
            if predicate(text):
                return text
            time.sleep(0.1)
        raise AssertionError(f"terminal never showed {what}:\n{self.screen()}")

    def close(self):
        subprocess.run(["tmux", "-S", self.socket, "kill-server"], capture_output=True)


def exit_status(term):
    """The `rc=N` line `echo rc=$?` printed (not the command line that typed it)."""
    def status(screen):
        return next((m.group(0) for m in re.finditer(r"rc=\d+", screen)), None)
    return status(term.wait_for(status, "the exit status"))


@pytest.fixture
def term(tmp_path):
    t = Terminal(tmp_path)
    yield t
    t.close()


def test_ctrl_c_cancels_a_long_run_in_a_terminal(term, src):
    src("long.py", "import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n")
    term.type("codebeaker run long.py; echo rc=$?")
    term.wait_for(lambda s: "sleeping" in s, "the program's first line")
    term.key("C-c")
    assert exit_status(term) == "rc=130"


def test_repl_keeps_state_and_ctrl_c_cancels_a_cell(term):
    term.type("codebeaker repl -l python")
    term.wait_for(lambda s: s.rstrip().endswith(">>>"), "the prompt")
    term.type("x = 6 * 7")
    term.type("print('x is', x)")
    term.wait_for(lambda s: "x is 42" in s, "the second cell's output")
    term.type("for i in range(2):")
    term.type("    print('loop', i)")
    term.type("")
    term.wait_for(lambda s: "loop 1" in s, "the block's output")
    term.type("import time; print('napping', flush=True); time.sleep(60)")
    term.wait_for(lambda s: "napping" in s.split("time.sleep(60)", 1)[1], "the long cell's first line")
    term.key("C-c")
    term.wait_for(lambda s: "cancelled" in s, "the cancel")
    term.type("print('still', 'here')")
    term.wait_for(lambda s: "still here" in s, "a cell after the cancel")
    term.key("C-d")
    term.type("echo rc=$?")
    assert exit_status(term) == "rc=0"


def test_repl_reads_piped_input_without_prompts():
    r = cb("repl", "-l", "python", stdin="x = 20\nprint(x * 2)\nfor i in range(2):\n    print(i)\n\n")
    assert (r.returncode, r.stdout) == (0, "40\n0\n1\n")
