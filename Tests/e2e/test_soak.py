"""The short soak (bench/soak.py, 50 clients x 15 s, one driver killed): every error is explained by the
driver kill, and fds, processes, mounts, loop devices, session cgroups and workspaces are back to baseline."""
import json
import subprocess
import sys

from conftest import BUILD, ROOT


def test_short_soak_has_no_unexplained_errors_and_leaves_nothing_behind():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "soak.py"), "--build-dir", str(BUILD),
                        "--clients", "50", "--seconds", "15", "--kill-every", "7", "--json"],
                       capture_output=True, text=True, timeout=900)
    assert r.stdout.strip(), r.stderr[-4000:]
    report = json.loads(r.stdout.strip().splitlines()[-1])
    unexplained = {k: v for k, v in report["errorsByKind"].items() if k.startswith("unexplained")}
    assert report["unexplainedErrors"] == 0, (unexplained, report["unexplainedExamples"])
    assert report["leaks"] == {}, (report["baseline"], report["after"])
    assert report["kills"], "the soak killed no driver"
    assert report["operations"] > 200, report
    assert r.returncode == 0, r.stderr[-4000:]
