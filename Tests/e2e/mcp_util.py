"""Connects the official MCP Python SDK (PyPI `mcp`) to CodeBeaker over stdio or Streamable HTTP."""
import contextlib
import json
import os
import subprocess
import urllib.error
import urllib.request

from conftest import BINARY, BUILD

try:
    import httpx2 as httpx  # what this SDK's Streamable HTTP client is built on
except ImportError:  # older SDKs use httpx
    import httpx

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client


def mcp_args(workspace_root=None):
    """`codebeaker mcp` with the built drivers only."""
    args = ["mcp", "--drivers-dir", str(BUILD), "--no-default-drivers"]
    if workspace_root:
        args += ["--workspace-root", workspace_root]
    return args


@contextlib.asynccontextmanager
async def stdio_session(errlog, server_url=None):
    """`codebeaker mcp` with its own embedded host, or bridged to a running server with `--server`."""
    env = dict(os.environ)
    env.setdefault("CODEBEAKER_DOCKER_POOL", "0")
    args = ["mcp", "--server", server_url] if server_url else mcp_args()
    params = StdioServerParameters(command=str(BINARY), args=args, env=env)
    async with stdio_client(params, errlog=errlog) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            yield session


@contextlib.asynccontextmanager
async def http_session(url, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient(headers=headers, timeout=httpx.Timeout(30, read=120)) as client:
        async with streamable_http_client(url, http_client=client) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def text_of(result):
    return "".join(c.text for c in result.content if getattr(c, "type", "") == "text")


def post(url, body, headers=None):
    """A raw POST (for what the SDK never sends): returns (status, headers, body text)."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    h = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, headers=h, method="POST")
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()


class RawStdio:
    """`codebeaker mcp` driven line by line, for messages the SDK would never send."""

    def __init__(self, errlog, env=None):
        self.proc = subprocess.Popen(
            [str(BINARY)] + mcp_args(), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=errlog,
            text=True, env=dict(os.environ, CODEBEAKER_DOCKER_POOL="0", **(env or {})))

    def send(self, line):
        self.proc.stdin.write(line + "\n")
        self.proc.stdin.flush()

    def reply(self):
        line = self.proc.stdout.readline()
        assert line, "codebeaker mcp closed stdout"
        return json.loads(line)

    def close(self):
        self.proc.stdin.close()
        return self.proc.wait(timeout=30)
