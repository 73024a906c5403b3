"""Fixtures: the real `codebeaker` binary (built by `swift build`), started by Tests/e2e's `Server`, and the SDK
from this tree (not an older installed copy)."""
import importlib.util
import os
import pathlib
import sys

import pytest

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parents[2]
sys.path.insert(0, str(HERE.parent))  # clients/python: the package under test

_spec = importlib.util.spec_from_file_location("cb_e2e_fixtures", ROOT / "Tests" / "e2e" / "conftest.py")
e2e = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(e2e)
Server = e2e.Server

import codebeaker  # noqa: E402

assert pathlib.Path(codebeaker.__file__).resolve().parent == HERE.parent / "codebeaker", codebeaker.__file__


# The e2e suite's server fixtures, shared rather than copied.
server = e2e.server
start_server = e2e.start_server


@pytest.fixture
def cb(server):
    """A blocking client; the sessions it created are closed by the test (or by their `with` block)."""
    with codebeaker.Client(server.url) as c:
        yield c


# Under CI=true a skip is a missing install step (as in Tests/e2e/conftest.py).
_skips = []


def pytest_runtest_logreport(report):
    if report.skipped:
        _skips.append(f"{report.nodeid}: {report.longrepr}")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("CI") == "true" and _skips:
        print("\nCI=true: these tests were skipped:\n  " + "\n  ".join(_skips), file=sys.stderr)
        session.exitstatus = 1
