"""`--memory-merge`: the drivers mark every sandbox mergeable for KSM (PR_SET_MEMORY_MERGE, which the kernel
keeps across fork and exec, so the code a session runs shows it in /proc/self/ksm_stat), and `max` also
starts sandboxes without ASLR (ADDR_NO_RANDOMIZE in /proc/self/personality). Off by default. Nothing here
turns ksmd on: whether pages are merged is the bench's business (bench/idle_memory_bench.py)."""
import subprocess

import pytest

from conftest import BINARY

ADDR_NO_RANDOMIZE = 0x0040000
PY = "print(open('/proc/self/ksm_stat').read()); print('personality', open('/proc/self/personality').read())"
JS = ("const fs = require('fs'); console.log(fs.readFileSync('/proc/self/ksm_stat', 'utf8'));"
      "console.log('personality', fs.readFileSync('/proc/self/personality', 'utf8'))")


def kernel_state(client, language):
    sid = client.session_when_ready(language)
    r = client.execute(sid, {"type": "execute_code", "code": PY if language == "python" else JS})
    assert r["success"], r
    out = r["result"]["stdout"]
    fields = dict(line.split(":", 1) for line in out.splitlines() if ":" in line)
    if "ksm_merge_any" not in fields:
        pytest.skip("this kernel's /proc/PID/ksm_stat has no ksm_merge_any line (Linux 6.4+ needed):\n" + out)
    personality = int(out.split("personality", 1)[1].split()[0], 16)
    return fields["ksm_merge_any"].strip(), bool(personality & ADDR_NO_RANDOMIZE)


def test_by_default_no_sandbox_is_mergeable_and_aslr_stays_on(client):
    assert kernel_state(client, "python") == ("no", False)


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_memory_merge_on_marks_the_code_mergeable_and_keeps_aslr(start_server, language):
    with start_server("--memory-merge", "on").client() as c:
        assert kernel_state(c, language) == ("yes", False)


@pytest.mark.parametrize("language", ["python", "javascript"])
def test_memory_merge_max_also_turns_aslr_off_inside_the_sandbox(start_server, language):
    with start_server("--memory-merge", "max").client() as c:
        assert kernel_state(c, language) == ("yes", True)


def test_an_unknown_memory_merge_mode_stops_the_server():
    r = subprocess.run([str(BINARY), "--port", "0", "--memory-merge", "maybe"], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode != 0 and "must be off, on or max, got 'maybe'" in r.stderr, r
