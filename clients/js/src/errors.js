// Typed errors. JSON-RPC errors keep code, message and data; failures of the connection have code null.
// A failed command (non-zero exit, timeout, cancel) is a RunResult, never one of these.

export class CodeBeakerError extends Error {
  constructor(message, code = null, data = undefined) {
    super(code == null ? message : `${code}: ${message}`);
    this.name = new.target.name;
    this.code = code;
    this.rpcMessage = message;
    this.data = data;
  }
}
/** -32602: a parameter is missing, wrong or not allowed; `data.field` names it. */
export class InvalidParamsError extends CodeBeakerError {}
/** -32001: the session or execution does not exist (or is another principal's, or expired). */
export class NotFoundError extends CodeBeakerError {}
/** -32002: no runtime for the language, a driver unavailable, or the server is full. */
export class RuntimeUnavailableError extends CodeBeakerError {}
/** -32011: refused by input validation or a security rule; `data.rule` names it. */
export class RejectedError extends CodeBeakerError {}
/** -32029: a rate or concurrency limit. */
export class RateLimitError extends CodeBeakerError {
  get retryAfterMs() { return this.data?.retryAfterMs ?? null; }
}
/** The WebSocket could not be opened; `status` is the HTTP status of a refused upgrade when known. */
export class ConnectError extends CodeBeakerError {
  constructor(message, status = null) { super(message); this.status = status; }
}
/** The server refused the token (HTTP 401 on the upgrade). */
export class AuthenticationError extends ConnectError {}
/** The host holding this client's sessions cannot be reached (several hosts behind a proxy: reconnects go to
 * the `endpoint` session.create returned, and that host is down). Its sessions are gone; `route` is its id. */
export class SessionHostUnavailableError extends ConnectError {
  constructor(message, status = null, route = null) { super(message, status); this.route = route; }
}
/** The connection closed while a request waited for its answer. Sessions survive; the next call reconnects. */
export class ConnectionLostError extends CodeBeakerError {}
/** No answer within the request's timeout. */
export class RequestTimeoutError extends CodeBeakerError {}
/** A file command answered success:false (missing file, path outside the workspace, ...). */
export class CommandError extends CodeBeakerError {
  constructor(message, response) { super(message, null, response); }
}

const byCode = { [-32602]: InvalidParamsError, [-32001]: NotFoundError, [-32002]: RuntimeUnavailableError,
  [-32011]: RejectedError, [-32029]: RateLimitError };

/** The typed error for a JSON-RPC `error` object. */
export function fromRpc(error) {
  const Cls = byCode[error?.code] ?? CodeBeakerError;
  return new Cls(String(error?.message ?? ''), error?.code ?? null, error?.data);
}
