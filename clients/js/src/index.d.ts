// Type declarations for the CodeBeaker client (src/*.js).

export const DEFAULT_URL: string;

export interface ClientOptions {
  /** Sent as the `codebeaker.bearer.<token>` subprotocol (default) or an Authorization header. */
  token?: string;
  /** 'subprotocol' works everywhere; 'header' needs a WebSocket that takes headers (Node's). */
  auth?: 'subprotocol' | 'header';
  connectTimeoutMs?: number;
  /** Bound for every request except executions (default 60 000). */
  requestTimeoutMs?: number;
  /** Executions wait for their own timeout (or 300 s) plus this (default 30 000). */
  executionGraceMs?: number;
  /** Open a new connection on the next call after the old one dropped (default true). */
  reconnect?: boolean;
  reconnectAttempts?: number;
  /** While requests wait and nothing arrived for this long, an `initialize` must answer within it, else the
   * connection counts as lost (default 15 000). */
  heartbeatMs?: number;
  /** A WebSocket constructor; default globalThis.WebSocket. */
  WebSocket?: unknown;
}

export interface RunResult {
  /** True only for exit code 0 without timeout, signal or cancel. */
  success: boolean;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  signal: number | null;
  timedOut: boolean;
  cancelled: boolean;
  truncated: boolean;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  reason: string | null;
  /** Why it failed (`Process exited with code 1`, `timed out after 30 s`, `cancelled`), else null. */
  error: string | null;
  executionId: string | null;
  /** install_packages: what was installed. */
  installed: Array<{ name: string; version: string }>;
  /** The server's whole answer. */
  raw: Record<string, unknown>;
}

export interface OutputEvent {
  type: 'output';
  stream: 'stdout' | 'stderr';
  data: string;
  seq: number;
  requestId: number;
  sessionId?: string;
}

export interface ProgressEvent {
  type: 'progress';
  message: string;
  requestId: number;
  sessionId?: string;
}

export type ExecutionEvent = OutputEvent | ProgressEvent;

export interface SessionInfo {
  sessionId: string;
  containerId: string | null;
  language: string;
  createdAt: string;
  state: 'Creating' | 'Active' | 'Idle' | 'Closing' | 'Closed';
  config?: Record<string, unknown>;
  runtime: { type: string; driver: string };
  lastActivity?: string;
  executionCount?: number;
  [key: string]: unknown;
}

export interface Language {
  name: string;
  aliases: string[];
  extensions: string[];
  available: boolean;
  version: string | null;
  /** The runtimes that run it: `{driver, runtimeType, ready, isolationLevel, startupMs, memoryMB, stateful, ...}`. */
  runtimes: Array<Record<string, unknown>>;
  [key: string]: unknown;
}

export interface FileEntry {
  name: string;
  path: string;
  type: 'file' | 'directory' | 'symlink' | string;
  size: number;
  modified: string;
}

export interface StreamCallbacks {
  onOutput?: (event: OutputEvent) => void;
  onProgress?: (event: ProgressEvent) => void;
}

export interface RunOptions {
  stdin?: string;
  /** Seconds. */
  timeout?: number;
  env?: Record<string, string>;
  /** Another language the session's driver runs (e.g. 'typescript' in a deno session). */
  language?: string;
  onOutput?: (event: OutputEvent) => void;
}

export interface ShellOptions {
  cwd?: string;
  stdin?: string;
  timeout?: number;
  env?: Record<string, string>;
  onOutput?: (event: OutputEvent) => void;
}

export interface InstallOptions extends StreamCallbacks {
  requirementsFile?: string;
  flags?: string[];
  manager?: string;
}

export interface CommandResponse {
  success: boolean;
  result: any;
  error: string | null;
  durationMs: number;
  executionId?: string;
}

export class Execution implements AsyncIterable<ExecutionEvent> {
  readonly requestId: number;
  readonly sessionId: string | null;
  readonly done: boolean;
  [Symbol.asyncIterator](): AsyncIterator<ExecutionEvent>;
  result(): Promise<RunResult>;
  /** True if the server stopped it; retried until it ends or `waitMs` (10 000) pass. */
  cancel(waitMs?: number): Promise<boolean>;
}

export class Session {
  readonly client: CodeBeakerClient;
  readonly id: string;
  readonly info: SessionInfo | null;
  close(): Promise<boolean>;
  execute(command: Record<string, unknown>, options?: { timeoutMs?: number }): Promise<CommandResponse>;
  start(code: string, options?: RunOptions): Promise<Execution>;
  run(code: string, options?: RunOptions): Promise<RunResult>;
  startShell(command: string, args?: string[], options?: ShellOptions): Promise<Execution>;
  shell(command: string, args?: string[], options?: ShellOptions): Promise<RunResult>;
  startInstall(packages?: string[], options?: InstallOptions): Promise<Execution>;
  install(packages?: string[], options?: InstallOptions): Promise<RunResult>;
  writeFile(path: string, content: string | Uint8Array, options?: { append?: boolean }): Promise<number>;
  readFile(path: string): Promise<string>;
  readBytes(path: string): Promise<Uint8Array>;
  listFiles(path?: string, options?: { recursive?: boolean; pattern?: string }): Promise<FileEntry[]>;
  deleteFile(path: string): Promise<void>;
  createDirectory(path: string): Promise<boolean>;
  copyFile(source: string, destination: string): Promise<void>;
}

export class CodeBeakerClient {
  constructor(url?: string, options?: ClientOptions);
  static connect(url?: string, options?: ClientOptions): Promise<CodeBeakerClient>;
  readonly url: string;
  readonly connected: boolean;
  /** How many times a connection was opened (reconnects show here). */
  readonly connections: number;
  /** The `endpoint` (and host id) the first session.create returned; reconnects go there. */
  readonly endpoint: string | null;
  readonly route: string | null;
  /** Forgets the endpoint: the next connection goes to `url` (the proxy picks a live host). */
  unpin(): void;
  connect(): Promise<CodeBeakerClient>;
  close(): void;
  dropConnection(): void;
  onNotification(callback: (method: string, params: any) => void): () => void;
  call<T = any>(method: string, params?: unknown, options?: { timeoutMs?: number }): Promise<T>;
  initialize(): Promise<Record<string, any>>;
  languages(): Promise<Language[]>;
  createSession(language: string, params?: Record<string, unknown>): Promise<Session>;
  withSession<T>(language: string, fn: (session: Session) => Promise<T>, params?: Record<string, unknown>): Promise<T>;
  session(sessionId: string): Session;
  listSessions(): Promise<SessionInfo[]>;
  closeSession(sessionId: string): Promise<boolean>;
  run(language: string, code: string, options?: RunOptions & Record<string, unknown>): Promise<RunResult>;
  startRun(language: string, code: string, options?: RunOptions & Record<string, unknown>): Promise<Execution>;
  cancel(target: { requestId?: number; executionId?: string; sessionId?: string }): Promise<boolean>;
}

export class CodeBeakerError extends Error {
  /** The JSON-RPC error code; null for failures of the connection itself. */
  readonly code: number | null;
  readonly rpcMessage: string;
  readonly data: any;
}
export class InvalidParamsError extends CodeBeakerError {}
export class NotFoundError extends CodeBeakerError {}
export class RuntimeUnavailableError extends CodeBeakerError {}
export class RejectedError extends CodeBeakerError {}
export class RateLimitError extends CodeBeakerError {
  readonly retryAfterMs: number | null;
}
export class ConnectError extends CodeBeakerError {
  /** HTTP status of a refused upgrade, when known (Node); null in browsers. */
  readonly status: number | null;
}
export class AuthenticationError extends ConnectError {}
/** The host holding this client's sessions is down (several hosts behind a proxy); `route` is its id. */
export class SessionHostUnavailableError extends ConnectError {
  readonly route: string | null;
}
export class ConnectionLostError extends CodeBeakerError {}
export class RequestTimeoutError extends CodeBeakerError {}
export class CommandError extends CodeBeakerError {}
