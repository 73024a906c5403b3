"""A running execution: its output as callbacks or an async iterator, cancel, and its final result."""
import asyncio
import inspect
from typing import TYPE_CHECKING, Any, AsyncIterator, Callable, Optional

from .models import Event, OutputEvent, ProgressEvent, RunResult

if TYPE_CHECKING:
    from .client import AsyncClient

_END = object()


class Execution:
    """Returned by the `start_*` methods. `async for event in execution` yields OutputEvent and ProgressEvent
    until the execution ends; `await execution.result()` gives the RunResult; `await execution.cancel()`
    stops it (its result then has `cancelled=True`)."""

    def __init__(self, client: "AsyncClient", request_id: Any, session_id: Optional[str],
                 on_output: Optional[Callable[..., Any]], on_progress: Optional[Callable[..., Any]]):
        self.client, self.request_id, self.session_id = client, request_id, session_id
        self._on_output, self._on_progress = on_output, on_progress
        self._events: "asyncio.Queue[Any]" = asyncio.Queue()
        self._ended = False
        self._task: Optional["asyncio.Task[RunResult]"] = None

    def _push(self, event: Event) -> None:
        if self._ended:
            return
        self._events.put_nowait(event)
        cb = self._on_output if isinstance(event, OutputEvent) else self._on_progress
        if cb is not None:
            r = cb(event)
            if inspect.isawaitable(r):
                asyncio.ensure_future(r)

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._events.put_nowait(_END)

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[Event]:
        while True:
            e = await self._events.get()
            if e is _END:
                self._events.put_nowait(_END)  # a second iteration ends at once too
                return
            yield e

    async def result(self) -> RunResult:
        """The final result; raises the typed error if the request failed (ConnectionLostError, ...)."""
        assert self._task is not None
        return await asyncio.shield(self._task)

    @property
    def done(self) -> bool:
        return self._task is not None and self._task.done()

    async def cancel(self, wait: float = 10.0) -> bool:
        """Asks the server to stop this execution. The server may not have registered it yet when this is
        called right after the start, so an unsuccessful cancel is repeated until the execution ends or
        `wait` seconds pass. True if the server stopped it."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait
        while not self.done:
            if await self.client.cancel(request_id=self.request_id, session_id=self.session_id):
                return True
            if loop.time() > deadline or self._task is None:
                return False
            await asyncio.wait([self._task], timeout=0.05)
        return False


__all__ = ["Execution", "OutputEvent", "ProgressEvent"]
