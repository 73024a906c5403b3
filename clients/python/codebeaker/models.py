"""Typed results, built from the server's JSON (field names in snake_case; `raw` keeps the whole answer)."""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Union


@dataclass
class RunResult:
    """The result of code, a shell command or a package install. `success` is true only for exit code 0
    without timeout, signal or cancel; otherwise `error` says why."""
    success: bool
    exit_code: Optional[int]
    stdout: str
    stderr: str
    duration_ms: int
    timed_out: bool = False
    cancelled: bool = False
    truncated: bool = False
    stdout_truncated: bool = False
    stderr_truncated: bool = False
    signal: Optional[int] = None
    reason: Optional[str] = None
    error: Optional[str] = None
    execution_id: Optional[str] = None
    installed: List[Dict[str, Any]] = field(default_factory=list)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_run(cls, flat: Dict[str, Any], success: bool, error: Optional[str], duration_ms: Optional[int],
                 execution_id: Optional[str], raw: Dict[str, Any]) -> "RunResult":
        r = flat or {}
        return cls(success=bool(success), exit_code=r.get("exitCode"), stdout=r.get("stdout") or "",
                   stderr=r.get("stderr") or "",
                   duration_ms=int(r.get("durationMs") if r.get("durationMs") is not None else duration_ms or 0),
                   timed_out=bool(r.get("timedOut")), cancelled=bool(r.get("cancelled")),
                   truncated=bool(r.get("truncated")), stdout_truncated=bool(r.get("stdoutTruncated")),
                   stderr_truncated=bool(r.get("stderrTruncated")), signal=r.get("signal"), reason=r.get("reason"),
                   error=error, execution_id=execution_id, installed=list(r.get("installed") or []), raw=raw)

    @classmethod
    def from_execute(cls, resp: Dict[str, Any]) -> "RunResult":
        """From `session.execute`'s `{success, result, error, durationMs, executionId}`."""
        return cls.from_run(resp.get("result") or {}, resp.get("success"), resp.get("error"),
                            resp.get("durationMs"), resp.get("executionId"), resp)

    @classmethod
    def from_execution_run(cls, resp: Dict[str, Any]) -> "RunResult":
        """From `execution.run`'s flat result."""
        return cls.from_run(resp, resp.get("success"), resp.get("error"), resp.get("durationMs"),
                            resp.get("executionId"), resp)


@dataclass
class SessionInfo:
    """A session as `session.create` or `session.list` describes it."""
    session_id: str
    language: str
    state: str
    created_at: Optional[str] = None
    container_id: Optional[str] = None
    runtime: Dict[str, Any] = field(default_factory=dict)
    config: Dict[str, Any] = field(default_factory=dict)
    execution_count: Optional[int] = None
    last_activity: Optional[str] = None
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "SessionInfo":
        return cls(session_id=d["sessionId"], language=d.get("language", ""), state=d.get("state", ""),
                   created_at=d.get("createdAt"), container_id=d.get("containerId"), runtime=d.get("runtime") or {},
                   config=d.get("config") or {}, execution_count=d.get("executionCount"),
                   last_activity=d.get("lastActivity"), raw=d)


@dataclass
class Language:
    """One entry of `language.list`."""
    name: str
    aliases: List[str] = field(default_factory=list)
    extensions: List[str] = field(default_factory=list)
    available: bool = True
    version: Optional[str] = None
    runtimes: List[Dict[str, Any]] = field(default_factory=list, repr=False)
    raw: Dict[str, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "Language":
        name = d.get("name") or d.get("language") or ""
        return cls(name=name, aliases=list(d.get("aliases") or []), extensions=list(d.get("extensions") or []),
                   available=d.get("available", True) is not False, version=d.get("version"),
                   runtimes=list(d.get("runtimes") or []), raw=d)


@dataclass
class FileEntry:
    """One entry of `list_directory`."""
    name: str
    path: str
    type: str
    size: Optional[int] = None
    modified: Optional[str] = None

    @classmethod
    def from_json(cls, d: Dict[str, Any]) -> "FileEntry":
        return cls(name=d["name"], path=d["path"], type=d.get("type", ""), size=d.get("size"),
                   modified=d.get("modified"))


@dataclass
class OutputEvent:
    """A `session.output` notification: a chunk of stdout or stderr, `seq` counting from 0."""
    stream: str
    data: str
    seq: int
    request_id: Any = None
    session_id: Optional[str] = None


@dataclass
class ProgressEvent:
    """A `session.progress` notification (package installs)."""
    message: str
    request_id: Any = None
    session_id: Optional[str] = None


Event = Union[OutputEvent, ProgressEvent]


def event_from_notification(method: str, p: Dict[str, Any]) -> Optional[Event]:
    if method == "session.output":
        return OutputEvent(stream=p.get("stream", ""), data=p.get("data", ""), seq=p.get("seq", 0),
                           request_id=p.get("requestId"), session_id=p.get("sessionId"))
    if method == "session.progress":
        return ProgressEvent(message=p.get("message", ""), request_id=p.get("requestId"),
                             session_id=p.get("sessionId"))
    return None
