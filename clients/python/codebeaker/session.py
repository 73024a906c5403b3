"""A session: a private workspace and sandbox on the server. It is not tied to a connection, so it keeps
working after the client reconnects."""
import base64
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Optional, Sequence, Union

from .errors import CommandError
from .execution import Execution
from .models import FileEntry, RunResult, SessionInfo

if TYPE_CHECKING:
    from .client import AsyncClient

Callback = Optional[Callable[..., Any]]


def _opt(d: Dict[str, Any], **kv: Any) -> Dict[str, Any]:
    d.update({k: v for k, v in kv.items() if v is not None})
    return d


class AsyncSession:
    """`async with await cb.create_session("python") as s:` closes the session at the end of the block."""

    def __init__(self, client: "AsyncClient", session_id: str, info: Optional[SessionInfo]):
        self.client, self.id, self.info = client, session_id, info

    def __repr__(self) -> str:
        return f"AsyncSession({self.id!r})"

    async def __aenter__(self) -> "AsyncSession":
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    async def close(self) -> bool:
        return await self.client.close_session(self.id)

    async def execute(self, command: Dict[str, Any], timeout: Optional[float] = None) -> Dict[str, Any]:
        """`session.execute` with any command; returns `{success, result, error, durationMs, ...}` as is."""
        return await self.client.call("session.execute", {"sessionId": self.id, "command": command}, timeout)

    async def _file(self, command: Dict[str, Any]) -> Dict[str, Any]:
        r = await self.execute(command)
        if not r.get("success"):
            raise CommandError(f"{command['type']} failed: {r.get('error')}", r)
        return r.get("result") or {}

    async def _start(self, command: Dict[str, Any], on_output: Callback, on_progress: Callback = None,
                     seconds: Optional[float] = None) -> Execution:
        return await self.client.start_execution("session.execute", {"sessionId": self.id, "command": command},
                                                 seconds or command.get("timeout"), RunResult.from_execute,
                                                 on_output, on_progress)

    # ---- executions: run_* waits for the result, start_* returns the Execution at once ----

    async def start(self, code: str, *, stdin: Optional[str] = None, timeout: Optional[float] = None,
                    env: Optional[Dict[str, str]] = None, language: Optional[str] = None,
                    on_output: Callback = None) -> Execution:
        cmd = _opt({"type": "execute_code", "code": code}, stdin=stdin, timeout=timeout, env=env, language=language)
        return await self._start(cmd, on_output)

    async def run(self, code: str, **kw: Any) -> RunResult:
        """Runs `code` in the session's language (`stdin`, `timeout` seconds, `env`, `language`, `on_output`)."""
        return await (await self.start(code, **kw)).result()

    async def start_shell(self, command: str, *args: str, cwd: Optional[str] = None, stdin: Optional[str] = None,
                          timeout: Optional[float] = None, env: Optional[Dict[str, str]] = None,
                          on_output: Callback = None) -> Execution:
        cmd = _opt({"type": "execute_shell", "commandName": command, "args": list(args)},
                   workingDirectory=cwd, stdin=stdin, timeout=timeout, env=env)
        return await self._start(cmd, on_output)

    async def shell(self, command: str, *args: str, **kw: Any) -> RunResult:
        """Runs a program from the sandbox's PATH (not a shell string: use `shell("sh", "-c", "...")`)."""
        return await (await self.start_shell(command, *args, **kw)).result()

    async def start_install(self, packages: Sequence[str] = (), *, requirements_file: Optional[str] = None,
                            flags: Optional[Sequence[str]] = None, manager: Optional[str] = None,
                            on_output: Callback = None, on_progress: Callback = None) -> Execution:
        cmd = _opt({"type": "install_packages", "packages": list(packages)},
                   requirementsFile=requirements_file, flags=list(flags) if flags is not None else None, manager=manager)
        return await self._start(cmd, on_output, on_progress, seconds=300)  # the server's install timeout

    async def install(self, packages: Sequence[str] = (), **kw: Any) -> RunResult:
        """install_packages; `result.installed` lists `{name, version}`."""
        return await (await self.start_install(packages, **kw)).result()

    # ---- files (a failure raises CommandError) ----

    async def write_file(self, path: str, content: Union[str, bytes], *, append: bool = False) -> int:
        cmd: Dict[str, Any] = {"type": "write_file", "path": path, "mode": "Append" if append else "Create"}
        if isinstance(content, bytes):
            cmd.update(content=base64.b64encode(content).decode(), encoding="base64")
        else:
            cmd["content"] = content
        return int((await self._file(cmd)).get("bytes", 0))

    async def read_file(self, path: str) -> str:
        return (await self._file({"type": "read_file", "path": path}))["content"]

    async def read_bytes(self, path: str) -> bytes:
        return base64.b64decode((await self._file({"type": "read_file", "path": path, "encoding": "base64"}))["content"])

    async def list_files(self, path: str = "/workspace", *, recursive: bool = False,
                         pattern: Optional[str] = None) -> List[FileEntry]:
        r = await self._file(_opt({"type": "list_directory", "path": path, "recursive": recursive}, pattern=pattern))
        return [FileEntry.from_json(e) for e in r.get("entries", [])]

    async def delete_file(self, path: str) -> None:
        await self._file({"type": "delete_file", "path": path})

    async def create_directory(self, path: str) -> bool:
        return bool((await self._file({"type": "create_directory", "path": path})).get("created"))

    async def copy_file(self, source: str, destination: str) -> None:
        await self._file({"type": "copy_file", "sourcePath": source, "destinationPath": destination})
