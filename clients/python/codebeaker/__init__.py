"""Python client for CodeBeaker: `Client` (blocking) and `AsyncClient` (asyncio)."""
from .client import DEFAULT_URL, AsyncClient
from .errors import (AuthenticationError, CodeBeakerError, CommandError, ConnectError, ConnectionLostError,
                     InvalidParamsError, NotFoundError, RateLimitError, RejectedError, RequestTimeoutError,
                     RuntimeUnavailableError, SessionHostUnavailableError)
from .execution import Execution
from .models import Event, FileEntry, Language, OutputEvent, ProgressEvent, RunResult, SessionInfo
from .session import AsyncSession
from .sync import Client, Session, SyncExecution

__all__ = ["DEFAULT_URL", "AsyncClient", "AsyncSession", "Client", "Session", "Execution", "SyncExecution",
           "RunResult", "SessionInfo", "Language", "FileEntry", "OutputEvent", "ProgressEvent", "Event",
           "CodeBeakerError", "AuthenticationError", "CommandError", "ConnectError", "ConnectionLostError",
           "InvalidParamsError", "NotFoundError", "RateLimitError", "RejectedError", "RequestTimeoutError",
           "RuntimeUnavailableError", "SessionHostUnavailableError"]
__version__ = "0.1.0"
