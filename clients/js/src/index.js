// CodeBeaker client for Node 20+ (built-in WebSocket) and browsers. No dependencies.
export { CodeBeakerClient, DEFAULT_URL } from './client.js';
export { Session } from './session.js';
export { Execution } from './execution.js';
export {
  CodeBeakerError, InvalidParamsError, NotFoundError, RuntimeUnavailableError, RejectedError, RateLimitError,
  ConnectError, AuthenticationError, ConnectionLostError, RequestTimeoutError, CommandError,
  SessionHostUnavailableError,
} from './errors.js';
