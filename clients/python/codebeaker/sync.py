"""The blocking client: the async client on an event loop in a background thread. Callbacks run on that
thread."""
import asyncio
import threading
from typing import Any, Callable, Coroutine, Dict, Iterator, List, Optional, Sequence, TypeVar, Union

from .client import DEFAULT_URL, AsyncClient
from .errors import ConnectError
from .execution import Execution
from .models import Event, FileEntry, Language, RunResult, SessionInfo
from .session import AsyncSession

T = TypeVar("T")


class _Loop:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="codebeaker-loop", daemon=True)
        self.thread.start()

    def run(self, coro: "Coroutine[Any, Any, T]") -> T:
        if self.loop.is_closed() or not self.thread.is_alive():
            coro.close()
            raise ConnectError("client is closed")
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        if not self.thread.is_alive():
            self.loop.close()


class SyncExecution:
    """A running execution: iterate it for OutputEvent/ProgressEvent, `result()`, `cancel()`."""

    def __init__(self, loop: _Loop, ex: Execution):
        self._loop, self._ex = loop, ex
        self.request_id = ex.request_id

    def __iter__(self) -> Iterator[Event]:
        it = self._ex.__aiter__()

        async def next_event() -> Event:
            return await it.__anext__()
        while True:
            try:
                yield self._loop.run(next_event())
            except StopAsyncIteration:
                return

    def result(self) -> RunResult:
        task = self._ex._task
        if task is not None and task.done():  # also after the client closed
            return task.result()
        return self._loop.run(self._ex.result())

    def cancel(self, wait: float = 10.0) -> bool:
        return self._loop.run(self._ex.cancel(wait))


class Session:
    """The blocking twin of AsyncSession; `with cb.create_session("python") as s:` closes it at the end."""

    def __init__(self, loop: _Loop, s: AsyncSession):
        self._loop, self._s = loop, s
        self.id, self.info = s.id, s.info

    def __repr__(self) -> str:
        return f"Session({self.id!r})"

    def __enter__(self) -> "Session":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> bool:
        return self._loop.run(self._s.close())

    def execute(self, command: Dict[str, Any], timeout: Optional[float] = None) -> Dict[str, Any]:
        return self._loop.run(self._s.execute(command, timeout))

    def run(self, code: str, **kw: Any) -> RunResult:
        return self._loop.run(self._s.run(code, **kw))

    def start(self, code: str, **kw: Any) -> SyncExecution:
        return SyncExecution(self._loop, self._loop.run(self._s.start(code, **kw)))

    def shell(self, command: str, *args: str, **kw: Any) -> RunResult:
        return self._loop.run(self._s.shell(command, *args, **kw))

    def start_shell(self, command: str, *args: str, **kw: Any) -> SyncExecution:
        return SyncExecution(self._loop, self._loop.run(self._s.start_shell(command, *args, **kw)))

    def install(self, packages: Sequence[str] = (), **kw: Any) -> RunResult:
        return self._loop.run(self._s.install(packages, **kw))

    def start_install(self, packages: Sequence[str] = (), **kw: Any) -> SyncExecution:
        return SyncExecution(self._loop, self._loop.run(self._s.start_install(packages, **kw)))

    def write_file(self, path: str, content: Union[str, bytes], *, append: bool = False) -> int:
        return self._loop.run(self._s.write_file(path, content, append=append))

    def read_file(self, path: str) -> str:
        return self._loop.run(self._s.read_file(path))

    def read_bytes(self, path: str) -> bytes:
        return self._loop.run(self._s.read_bytes(path))

    def list_files(self, path: str = "/workspace", **kw: Any) -> List[FileEntry]:
        return self._loop.run(self._s.list_files(path, **kw))

    def delete_file(self, path: str) -> None:
        self._loop.run(self._s.delete_file(path))

    def create_directory(self, path: str) -> bool:
        return self._loop.run(self._s.create_directory(path))

    def copy_file(self, source: str, destination: str) -> None:
        self._loop.run(self._s.copy_file(source, destination))


class Client:
    """Blocking client: `with Client(url, token=...) as cb:`; the same options as AsyncClient."""

    def __init__(self, url: str = DEFAULT_URL, token: Optional[str] = None, **options: Any):
        self._loop = _Loop()
        self._async = AsyncClient(url, token, **options)
        try:
            self._loop.run(self._async.connect())
        except BaseException:
            self._loop.stop()
            raise

    @property
    def aio(self) -> AsyncClient:
        """The async client underneath (its coroutines must run on this client's loop)."""
        return self._async

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        try:
            self._loop.run(self._async.close())
        finally:
            self._loop.stop()

    def drop_connection(self) -> None:
        self._loop.run(self._async.drop_connection())

    @property
    def connections(self) -> int:
        return self._async.connections

    def call(self, method: str, params: Optional[dict] = None, timeout: Optional[float] = None) -> Any:
        return self._loop.run(self._async.call(method, params, timeout))

    def on_notification(self, callback: Callable[[str, dict], Any]) -> Callable[[], None]:
        return self._async.on_notification(callback)

    def initialize(self) -> dict:
        return self._loop.run(self._async.initialize())

    def languages(self) -> List[Language]:
        return self._loop.run(self._async.languages())

    def create_session(self, language: str, **params: Any) -> Session:
        return Session(self._loop, self._loop.run(self._async.create_session(language, **params)))

    def session(self, session_id: str) -> Session:
        return Session(self._loop, self._async.session(session_id))

    def list_sessions(self) -> List[SessionInfo]:
        return self._loop.run(self._async.list_sessions())

    def close_session(self, session_id: str) -> bool:
        return self._loop.run(self._async.close_session(session_id))

    def run(self, language: str, code: str, **kw: Any) -> RunResult:
        return self._loop.run(self._async.run(language, code, **kw))

    def start_run(self, language: str, code: str, **kw: Any) -> SyncExecution:
        return SyncExecution(self._loop, self._loop.run(self._async.start_run(language, code, **kw)))

    def cancel(self, **kw: Any) -> bool:
        return self._loop.run(self._async.cancel(**kw))
