"""The asyncio client: the API's methods over the JSON-RPC plumbing of rpc.py."""
from typing import Any, Callable, Dict, List, Optional

from .execution import Execution
from .models import Language, RunResult, SessionInfo
from .rpc import DEFAULT_URL, RpcClient
from .session import AsyncSession

__all__ = ["AsyncClient", "DEFAULT_URL"]


class AsyncClient(RpcClient):
    """`async with AsyncClient(url, token=...) as cb:` connects; `cb.create_session("python")` opens a session.

    `token` is sent as `Authorization: Bearer` (or as the `codebeaker.bearer.<token>` subprotocol with
    `auth="subprotocol"`). `request_timeout` bounds every request but executions, which wait for their own
    timeout plus `execution_grace` seconds (300 s, the server's maximum, when none is given). `reconnect`:
    after the connection drops, the next call opens a new one (`reconnect_attempts` tries); sessions live on
    the server, so the same session ids keep working."""

    async def connect(self) -> "AsyncClient":
        await self._ensure_connected()
        return self

    async def __aenter__(self) -> "AsyncClient":
        return await self.connect()

    # ---- methods ----

    async def initialize(self) -> dict:
        return await self.call("initialize", {})

    async def languages(self) -> List[Language]:
        return [Language.from_json(d) for d in (await self.call("language.list", {}))["languages"]]

    async def create_session(self, language: str, **params: Any) -> AsyncSession:
        """`session.create`; params in the API's spelling (`stateful=True`, `memoryLimitMB=256`, `env={...}`)."""
        result = await self.call("session.create", dict(params, language=language))
        self.pin(result)
        info = SessionInfo.from_json(result)
        return AsyncSession(self, info.session_id, info)

    def session(self, session_id: str) -> AsyncSession:
        """A handle to an existing session (created earlier, perhaps on another connection)."""
        return AsyncSession(self, session_id, None)

    async def list_sessions(self) -> List[SessionInfo]:
        return [SessionInfo.from_json(d) for d in (await self.call("session.list", {}))["sessions"]]

    async def close_session(self, session_id: str) -> bool:
        return bool((await self.call("session.close", {"sessionId": session_id}))["closed"])

    async def run(self, language: str, code: str, *, stdin: Optional[str] = None, timeout: Optional[float] = None,
                  env: Optional[Dict[str, str]] = None, on_output: Optional[Callable[..., Any]] = None,
                  **params: Any) -> RunResult:
        """`execution.run`: a one-off run in a fresh session that is closed afterwards."""
        ex = await self.start_run(language, code, stdin=stdin, timeout=timeout, env=env, on_output=on_output, **params)
        return await ex.result()

    async def start_run(self, language: str, code: str, *, stdin: Optional[str] = None,
                        timeout: Optional[float] = None, env: Optional[Dict[str, str]] = None,
                        on_output: Optional[Callable[..., Any]] = None, **params: Any) -> Execution:
        p = dict(params, language=language, code=code)
        for k, v in (("stdin", stdin), ("timeout", timeout), ("env", env)):
            if v is not None:
                p[k] = v
        return await self.start_execution("execution.run", p, timeout, RunResult.from_execution_run, on_output)

    async def cancel(self, *, request_id: Any = None, execution_id: Optional[str] = None,
                     session_id: Optional[str] = None) -> bool:
        """`session.cancel`: true if something was stopped, false if it had finished or is unknown."""
        p: Dict[str, Any] = {}
        for k, v in (("requestId", request_id), ("executionId", execution_id), ("sessionId", session_id)):
            if v is not None:
                p[k] = v
        return bool((await self.call("session.cancel", p))["cancelled"])
