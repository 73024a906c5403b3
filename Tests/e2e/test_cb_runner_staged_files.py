"""cb-runner (scripts/images/cb-runner.c), the docker session container's pid 1, run directly on this host: the
file a run staged is removed BEFORE its 'X' frame. The driver reuses a run's path as soon as it reads 'X' (the
plain retry of an 'F' run whose fork server was gone, the fork server's next start from the same script path);
when 'X' came first and the removal ran later in a child, that removal could delete the new run's file, and
python3 then exited 2 ("can't open file") in test_docker_driver's fork-server-killed test.

Needs root (cb-runner switches to the run's uid) and a C compiler (scripts/setup.sh installs gcc)."""
import os
import shutil
import struct
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NOBODY = 65534


@pytest.fixture(scope="module")
def runner_binary():
    if os.geteuid() != 0:
        pytest.skip("cb-runner switches each run to its uid: this test must run as root")
    cc = shutil.which("cc") or shutil.which("gcc")
    if cc is None:
        pytest.skip("no C compiler (scripts/setup.sh installs gcc) to build cb-runner")
    out = tempfile.mkdtemp(prefix="cb-runner-test-")
    binary = os.path.join(out, "cb-runner")
    subprocess.run([cc, "-O2", "-o", binary, os.path.join(ROOT, "scripts/images/cb-runner.c")], check=True)
    yield binary
    shutil.rmtree(out, ignore_errors=True)


def s(b):
    b = b.encode() if isinstance(b, str) else b
    return struct.pack(">I", len(b)) + b


def run_frame(kind, rid, argv, file_path="", content=b"", uid=NOBODY, timeout_ms=10_000):
    payload = struct.pack(">IIII", uid, uid, timeout_ms, 1 << 16) + s("/tmp") + s(file_path) + s(content) + s(b"")
    payload += struct.pack(">I", len(argv)) + b"".join(s(a) for a in argv) + struct.pack(">I", 0)
    return kind.encode() + struct.pack(">II", rid, len(payload)) + payload


class Runner:
    def __init__(self, binary):
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def send(self, frame):
        self.proc.stdin.write(frame)
        self.proc.stdin.flush()

    def wait_exit(self, rid):
        """Frames until run `rid`'s 'X': (exit code, signal, fork server unavailable, stdout)."""
        out = b""
        while True:
            head = self.proc.stdout.read(9)
            assert len(head) == 9, "cb-runner closed its output"
            kind, fid, n = chr(head[0]), *struct.unpack(">II", head[1:])
            body = self.proc.stdout.read(n)
            if fid != rid:
                continue
            if kind == "O":
                out += body
            elif kind == "X":
                code, sig = struct.unpack(">ii", body[:8])
                return code, sig, body[13], out

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


@pytest.fixture
def scratch():
    d = tempfile.mkdtemp(prefix="cb-staged-")
    os.chmod(d, 0o1777)  # the runs' uid writes and removes its files here, as in the container's /tmp
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_a_runs_staged_file_is_gone_when_its_exit_frame_arrives(runner_binary, scratch):
    r = Runner(runner_binary)
    try:
        # Many rounds: with the removal after 'X' it only sometimes lost the race to this check.
        for i in range(1, 31):
            path = os.path.join(scratch, f"cb_exec_{i}.py")
            r.send(run_frame("R", i, ["true"], path, b"print(1)\n"))
            code, sig, _, _ = r.wait_exit(i)
            assert (code, sig) == (0, 0)
            assert not os.path.exists(path), f"round {i}: {path} still there when 'X' arrived"
    finally:
        r.close()


def test_the_plain_retry_of_an_F_run_whose_server_is_gone_keeps_its_file(runner_binary, scratch):
    """What the driver does when the fork server died: the 'F' run reports 'unavailable', and the same program
    (same path) runs the plain way at once. The 'F' attempt never wrote the file: it must not remove the retry's."""
    r = Runner(runner_binary)
    try:
        path = os.path.join(scratch, "cb_exec_7.py")
        missing_socket = os.path.join(scratch, "no-server.sock")
        for i in range(1, 21):
            r.send(run_frame("F", 2 * i, [missing_socket, "python3", path], path, b"ran\n"))
            _, _, unavailable, _ = r.wait_exit(2 * i)
            assert unavailable == 1
            # The retry reads its file a moment after it was written, as a loaded python3 would.
            r.send(run_frame("R", 2 * i + 1, ["sh", "-c", f"sleep 0.05; cat {path}"], path, b"ran\n"))
            code, _, _, out = r.wait_exit(2 * i + 1)
            assert (code, out) == (0, b"ran\n"), f"round {i}: the retry's file was removed under it"
    finally:
        r.close()
