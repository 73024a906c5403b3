"""Typed errors. JSON-RPC errors keep their code, message and data; failures of the connection itself have
code None. A failed command (non-zero exit, timeout, cancel) is a RunResult, never one of these."""
from typing import Any, Optional


class CodeBeakerError(Exception):
    """Base class: `code` is the JSON-RPC error code (None for client-side failures), `data` its data."""

    def __init__(self, message: str, code: Optional[int] = None, data: Any = None):
        super().__init__(message if code is None else f"{code}: {message}")
        self.code = code
        self.message = message
        self.data = data


class InvalidParamsError(CodeBeakerError):
    """-32602: a parameter is missing, wrong or not allowed; `data["field"]` names it."""


class NotFoundError(CodeBeakerError):
    """-32001: the session or execution does not exist (or belongs to someone else, or expired)."""


class RuntimeUnavailableError(CodeBeakerError):
    """-32002: no runtime for the language, a driver unavailable, or the server is full."""


class RejectedError(CodeBeakerError):
    """-32011: refused by input validation or a security rule before anything ran; `data["rule"]` names it."""


class RateLimitError(CodeBeakerError):
    """-32029: a rate or concurrency limit; `retry_after_ms` says how long to wait when waiting helps."""

    @property
    def retry_after_ms(self) -> Optional[int]:
        return self.data.get("retryAfterMs") if isinstance(self.data, dict) else None


class ConnectError(CodeBeakerError):
    """The WebSocket could not be opened: wrong URL, nothing listening, refused handshake, or open timeout.
    `status` is the HTTP status of a refused upgrade, if any."""

    def __init__(self, message: str, status: Optional[int] = None):
        super().__init__(message)
        self.status = status


class AuthenticationError(ConnectError):
    """The server refused the token (HTTP 401 on the upgrade)."""


class SessionHostUnavailableError(ConnectError):
    """The host that holds this client's sessions cannot be reached (several hosts behind a proxy: the
    client reconnects to the `endpoint` that `session.create` returned, and that host is down). Its sessions
    are gone; a new client (or `unpin()`) reaches the live hosts. `route` is the host's id."""

    def __init__(self, message: str, status: Optional[int] = None, route: Optional[str] = None):
        super().__init__(message, status)
        self.route = route


class ConnectionLostError(CodeBeakerError):
    """The connection closed while a request was waiting for its answer (the server went away or restarted).
    Sessions survive this: the client reconnects on the next call. An execution that was running is
    cancelled by the server."""


class RequestTimeoutError(CodeBeakerError):
    """No answer within the request's timeout."""


class CommandError(CodeBeakerError):
    """A file command answered `success:false` (missing file, path outside the workspace, ...)."""

    def __init__(self, message: str, response: Any = None):
        super().__init__(message, None, response)


_BY_CODE = {-32602: InvalidParamsError, -32001: NotFoundError, -32002: RuntimeUnavailableError,
            -32011: RejectedError, -32029: RateLimitError}


def from_rpc(error: dict) -> CodeBeakerError:
    """The typed error for a JSON-RPC `error` object."""
    code = error.get("code")
    cls = _BY_CODE.get(code, CodeBeakerError)
    return cls(str(error.get("message", "")), code, error.get("data"))
