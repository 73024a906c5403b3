"""A retry is a failure that was papered over, so the suite reports every one and fails.

No test retries today. A test that ever has to tolerate one (say, an operating-system race the test cannot
rule out) calls the `record_retry` fixture with the reason before retrying; the run then ends with exit status 1
and lists each recorded retry, so nothing stays green by trying again. Registered by conftest.py; proven by
test_retries.py, which runs pytest on a tiny test file with only this plugin."""
import sys

import pytest

_retries = []


@pytest.fixture
def record_retry(request):
    """`record_retry(reason)`: notes that this test retried something, and why."""
    def record(reason):
        _retries.append(f"{request.node.nodeid}: {reason}")
    return record


def pytest_sessionfinish(session, exitstatus):
    if _retries:
        print(f"\n{len(_retries)} retr{'y' if len(_retries) == 1 else 'ies'} recorded; a retry fails the run:",
              file=sys.stderr)
        for r in _retries:
            print("  " + r, file=sys.stderr)
        session.exitstatus = 1
