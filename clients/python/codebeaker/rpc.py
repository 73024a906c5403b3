"""The JSON-RPC plumbing under AsyncClient: one WebSocket, requests matched to answers by id, notifications
routed to the execution that asked for them, and a fresh connection on the next call after the old one dropped."""
import asyncio
import itertools
import json
from typing import Any, Callable, Dict, List, Optional
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus, InvalidURI
from websockets.protocol import State

from .errors import (AuthenticationError, CodeBeakerError, ConnectError, ConnectionLostError, RequestTimeoutError,
                     SessionHostUnavailableError, from_rpc)
from .execution import Execution
from .models import RunResult, event_from_notification

DEFAULT_URL = "ws://127.0.0.1:5039/ws/jsonrpc"


def _origin(url: str) -> "tuple[str, str]":
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


class RpcClient:
    """Connection, requests and execution routing; options are documented on AsyncClient."""

    def __init__(self, url: str = DEFAULT_URL, token: Optional[str] = None, *, auth: str = "header",
                 connect_timeout: float = 10.0, request_timeout: float = 60.0, execution_grace: float = 30.0,
                 reconnect: bool = True, reconnect_attempts: int = 3, ping_interval: Optional[float] = 10.0,
                 max_size: int = 2**26):
        if auth not in ("header", "subprotocol"):
            raise ValueError("auth must be 'header' or 'subprotocol'")
        self.url, self.token, self.auth = url, token, auth
        self.connect_timeout, self.request_timeout, self.execution_grace = connect_timeout, request_timeout, execution_grace
        self.reconnect, self.reconnect_attempts = reconnect, reconnect_attempts
        self.ping_interval, self.max_size = ping_interval, max_size
        self._ws: Optional[ClientConnection] = None
        self._reader: Optional["asyncio.Task[None]"] = None
        self._ids = itertools.count(1)
        self._pending: Dict[Any, "asyncio.Future[dict]"] = {}
        self._executions: Dict[Any, Execution] = {}
        self._listeners: List[Callable[[str, dict], Any]] = []
        self._lock: Optional[asyncio.Lock] = None
        self._connected_once = False
        self._closed = False
        self.connections = 0  # how many times a connection was opened (reconnects show here)
        # Several hosts behind a proxy: after session.create returned an `endpoint`, reconnects go there.
        self.endpoint: Optional[str] = None
        self.route: Optional[str] = None

    # ---- connection ----

    async def connect(self) -> "RpcClient":
        await self._ensure_connected()
        return self

    async def __aenter__(self) -> Any:
        return await self.connect()

    async def __aexit__(self, *exc: Any) -> None:
        await self.close()

    @property
    def connected(self) -> bool:
        return self._ws is not None and self._reader is not None and not self._reader.done()

    async def _ensure_connected(self) -> ClientConnection:
        if self._closed:
            raise ConnectError("client is closed")
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            if self.connected:
                return self._ws  # type: ignore[return-value]
            if self._connected_once and not self.reconnect:
                raise ConnectionLostError("connection lost (reconnect is off)")
            attempts = self.reconnect_attempts if self._connected_once else 1
            for attempt in range(attempts):
                try:
                    return await self._open()
                except AuthenticationError:
                    raise
                except ConnectError as e:
                    if attempt < attempts - 1:
                        await asyncio.sleep(0.25 * 2**attempt)
                    elif self.endpoint is not None:
                        raise SessionHostUnavailableError(
                            f"session's host is unavailable (route {self.route}): {e.message}", e.status,
                            self.route) from None
                    else:
                        raise
            raise AssertionError("unreachable")

    def pin(self, result: Any) -> None:
        """Remembers the `endpoint` a `session.create` result names (the proxy's URL for the session's host);
        the client reconnects there. The first one counts: a connection reaches one host. Only on the client's
        own origin (scheme, host, port), so the token never goes to a server that a server named."""
        endpoint = result.get("endpoint") if isinstance(result, dict) else None
        if self.endpoint is None and isinstance(endpoint, str) and _origin(endpoint) == _origin(self.url):
            self.endpoint, self.route = result["endpoint"], result.get("route")

    def unpin(self) -> None:
        """Forgets the endpoint: the next connection goes to `url` (the proxy picks a live host)."""
        self.endpoint = self.route = None

    async def _open(self) -> ClientConnection:
        url = self.endpoint or self.url
        headers, protocols = {}, None
        if self.token and self.auth == "header":
            headers["Authorization"] = f"Bearer {self.token}"
        elif self.token:
            protocols = ["codebeaker.v1", f"codebeaker.bearer.{self.token}"]
        try:
            ws = await connect(url, additional_headers=headers, subprotocols=protocols,  # type: ignore[arg-type]
                               open_timeout=self.connect_timeout, max_size=self.max_size,
                               ping_interval=self.ping_interval, ping_timeout=self.ping_interval, close_timeout=2)
        except InvalidStatus as e:
            status = e.response.status_code
            if status == 401:
                raise AuthenticationError(f"token refused by {url} (HTTP 401)", status) from None
            raise ConnectError(f"{url} refused the WebSocket upgrade: HTTP {status}", status) from None
        except InvalidURI as e:
            raise ConnectError(f"not a WebSocket URL: {e}") from None
        except (OSError, asyncio.TimeoutError, InvalidHandshake) as e:
            raise ConnectError(f"cannot connect to {url}: {e or type(e).__name__}") from None
        self._ws = ws
        self._connected_once = True
        self.connections += 1
        self._reader = asyncio.get_running_loop().create_task(self._read(ws))
        return ws

    async def _read(self, ws: ClientConnection) -> None:
        reason = "connection closed"
        try:
            async for text in ws:
                self._dispatch(text)
        except Exception as e:  # a reset or a protocol error: every waiter learns it below
            reason = f"connection lost: {e}"
        else:
            rcv = ws.close_code
            if rcv is not None:
                reason = f"connection closed ({rcv})"
        self._fail_all(ConnectionLostError(reason))

    def _fail_all(self, err: CodeBeakerError) -> None:
        pending, self._pending = self._pending, {}
        for fut in pending.values():
            if not fut.done():
                fut.set_exception(err)
        executions, self._executions = self._executions, {}
        for ex in executions.values():
            ex._end()

    def _dispatch(self, text: Any) -> None:
        try:
            msg = json.loads(text)
        except ValueError:
            return
        for m in msg if isinstance(msg, list) else [msg]:
            if not isinstance(m, dict):
                continue
            if "method" in m and "id" not in m:
                params = m.get("params") or {}
                event = event_from_notification(m["method"], params)
                ex = self._executions.get(params.get("requestId")) if event else None
                if ex is not None:
                    ex._push(event)
                for listener in list(self._listeners):
                    listener(m["method"], params)
                continue
            fut = self._pending.pop(m.get("id"), None)
            if fut is not None and not fut.done():
                fut.set_result(m)

    def on_notification(self, callback: Callable[[str, dict], Any]) -> Callable[[], None]:
        """Calls `callback(method, params)` for every notification; returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback) if callback in self._listeners else None

    async def close(self) -> None:
        """Closes the connection (sessions stay open on the server until closed or expired)."""
        self._closed = True
        running = [ex._task for ex in self._executions.values() if ex._task is not None]
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        # Their requests failed with the connection; let them finish, so no task is left pending when a
        # (sync) client's loop stops.
        await asyncio.gather(*running, return_exceptions=True)

    async def drop_connection(self) -> None:
        """Closes the socket without closing the client: the next call reconnects (for tests and failover)."""
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)

    # ---- requests ----

    async def _send(self, method: str, params: Optional[dict],
                    register: Optional[Callable[[int], None]] = None) -> "tuple[int, asyncio.Future[dict]]":
        """`register(id)` runs before the request leaves, so no notification about it can arrive first."""
        ws = await self._ensure_connected()
        if ws.state is not State.OPEN and self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)  # closing: let it finish, then reconnect
            ws = await self._ensure_connected()
        rid = next(self._ids)
        fut: "asyncio.Future[dict]" = asyncio.get_running_loop().create_future()
        self._pending[rid] = fut
        if register is not None:
            register(rid)
        msg: Dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "method": method}
        if params is not None:
            msg["params"] = params
        try:
            await ws.send(json.dumps(msg))
        except Exception as e:
            self._pending.pop(rid, None)
            self._executions.pop(rid, None)
            raise ConnectionLostError(f"connection lost while sending {method}: {e}") from None
        return rid, fut

    async def _await(self, rid: int, fut: "asyncio.Future[dict]", method: str, timeout: Optional[float]) -> Any:
        try:
            msg = await asyncio.wait_for(asyncio.shield(fut), timeout)
        except asyncio.TimeoutError:
            self._pending.pop(rid, None)
            raise RequestTimeoutError(f"{method}: no answer within {timeout} s") from None
        if "error" in msg:
            raise from_rpc(msg["error"])
        return msg.get("result")

    async def call(self, method: str, params: Optional[dict] = None, timeout: Optional[float] = None) -> Any:
        """Sends one JSON-RPC request and returns its `result`; a JSON-RPC error raises its typed error."""
        rid, fut = await self._send(method, params)
        return await self._await(rid, fut, method, timeout or self.request_timeout)

    async def start_execution(self, method: str, params: dict, seconds: Optional[float], parse: Callable[[dict], RunResult],
                              on_output: Optional[Callable[..., Any]] = None,
                              on_progress: Optional[Callable[..., Any]] = None) -> Execution:
        """Sends an execution with `stream: true` and returns its handle at once (events, cancel, result)."""
        params = dict(params, stream=True)
        holder: List[Execution] = []

        def register(rid: int) -> None:
            holder.append(Execution(self, rid, params.get("sessionId"), on_output, on_progress))
            self._executions[rid] = holder[0]
        rid, fut = await self._send(method, params, register)
        ex = holder[0]
        wait = (seconds if seconds is not None else 300) + self.execution_grace

        async def finish() -> RunResult:
            try:
                return parse(await self._await(rid, fut, method, wait))
            except RequestTimeoutError:
                await ex.cancel()
                raise
            finally:
                self._executions.pop(rid, None)
                ex._end()
        ex._task = asyncio.get_running_loop().create_task(finish())
        # The caller may never ask for the result: mark a failure as seen, so asyncio does not log it.
        ex._task.add_done_callback(lambda t: t.cancelled() or t.exception())
        return ex
