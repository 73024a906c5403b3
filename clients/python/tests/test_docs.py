"""The five-line example of docs/clients/python.md, run as written (only the URL points at the test server)."""
import os
import re
import subprocess
import sys

from conftest import HERE, ROOT


def test_the_five_line_example_runs_as_written(server):
    doc = (ROOT / "docs" / "clients" / "python.md").read_text()
    block = re.search(r"## Five lines\n\n```python\n(.*?)```", doc, re.S).group(1)
    assert len(block.strip().splitlines()) == 5, block
    code = block.replace("ws://127.0.0.1:5039/ws/jsonrpc", server.url)
    env = dict(os.environ, PYTHONPATH=str(HERE.parent))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, env=env)
    assert (r.returncode, r.stdout) == (0, "42\n"), r.stderr
