"""The retry recorder fails the run: a test file whose only test passes after recording a retry, run by pytest
with the plugin, exits 1 and names the retry; the same file without the retry exits 0."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

PASSING_AFTER_A_RETRY = '''
def test_passes_after_a_retry(record_retry):
    record_retry("the first attempt hit a race")
    assert True
'''

PASSING = '''
def test_passes(record_retry):
    assert True
'''


def run_pytest(tmp_path, body):
    test = tmp_path / "test_tiny.py"
    test.write_text(body)
    env = dict(os.environ, PYTHONPATH=HERE + os.pathsep + os.environ.get("PYTHONPATH", ""))
    env.pop("CI", None)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "retries", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(test)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)


def test_a_recorded_retry_fails_the_run_and_is_named(tmp_path):
    r = run_pytest(tmp_path, PASSING_AFTER_A_RETRY)
    assert "1 passed" in r.stdout, r.stdout + r.stderr
    assert r.returncode == 1, r.stdout + r.stderr
    assert "test_tiny.py::test_passes_after_a_retry: the first attempt hit a race" in r.stderr, r.stderr


def test_a_run_without_retries_passes(tmp_path):
    r = run_pytest(tmp_path, PASSING)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "retr" not in r.stderr, r.stderr
