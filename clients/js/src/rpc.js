// The JSON-RPC plumbing under CodeBeakerClient: one WebSocket, requests matched to answers by id, notifications
// routed to the execution that asked for them, and a fresh connection on the next call after the old one dropped.
import {
  AuthenticationError, ConnectError, ConnectionLostError, RequestTimeoutError, SessionHostUnavailableError, fromRpc,
} from './errors.js';
import { handshakeStatus } from './diagnose.js';
import { Execution } from './execution.js';
import { eventFrom } from './results.js';

export const DEFAULT_URL = 'ws://127.0.0.1:5039/ws/jsonrpc';

function sameOrigin(a, b) {
  try { return new URL(a).origin === new URL(b).origin; } catch { return false; }
}

export class RpcClient {
  /** Options: token; auth ('subprotocol', the default, works in browsers; 'header' sends Authorization, Node
   * only); connectTimeoutMs (10 s); requestTimeoutMs (60 s, every request but executions, which wait for their
   * own timeout, or 300 s, plus executionGraceMs, 30 s); reconnect (true) and reconnectAttempts (3); heartbeatMs
   * (15 000: while requests wait and nothing arrived for this long, an `initialize` must answer within it, else
   * the connection counts as lost; browsers' WebSocket has no ping); WebSocket (a constructor, default
   * globalThis.WebSocket). */
  constructor(url = DEFAULT_URL, options = {}) {
    this.url = url;
    this.token = options.token ?? null;
    this.auth = options.auth ?? 'subprotocol';
    if (!['subprotocol', 'header'].includes(this.auth)) throw new TypeError("auth must be 'subprotocol' or 'header'");
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60000;
    this.executionGraceMs = options.executionGraceMs ?? 30000;
    this.reconnect = options.reconnect ?? true;
    this.reconnectAttempts = options.reconnectAttempts ?? 3;
    this.heartbeatMs = options.heartbeatMs ?? 15000;
    this._WebSocket = options.WebSocket ?? null;
    this._ws = null;
    this._opening = null;
    this._nextId = 1;
    this._pending = new Map();
    this._executions = new Map();
    this._listeners = new Set();
    this._connectedOnce = false;
    this._closed = false;
    /** How many times a connection was opened (reconnects show here). */
    this.connections = 0;
    /** Several hosts behind a proxy: after session.create returned an `endpoint`, reconnects go there. */
    this.endpoint = null;
    this.route = null;
  }

  /** Remembers the `endpoint` of a session.create result (the first one: a connection reaches one host). Only
   * on the client's own origin (scheme, host, port), so the token never goes to a server named by a server. */
  pin(result) {
    if (this.endpoint === null && typeof result?.endpoint === 'string' && sameOrigin(result.endpoint, this.url)) {
      this.endpoint = result.endpoint;
      this.route = result.route ?? null;
    }
  }

  /** Forgets the endpoint: the next connection goes to `url` (the proxy picks a live host). */
  unpin() { this.endpoint = null; this.route = null; }

  async connect() { await this._ensureConnected(); return this; }

  get connected() { return this._ws !== null; }

  /** Closes the connection; sessions stay open on the server until closed or expired. */
  close() {
    this._closed = true;
    this.dropConnection();
  }

  [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() { this.close(); return Promise.resolve(); }

  /** Closes the socket but not the client: the next call reconnects (for tests and failover). */
  dropConnection() {
    const ws = this._ws;
    if (!ws) return;
    this._lost(ws, 'connection closed by the client');
    try { ws.close(1000); } catch { /* already closing */ }
  }

  /** Calls `callback(method, params)` for every notification; returns a function that removes it. */
  onNotification(callback) {
    this._listeners.add(callback);
    return () => this._listeners.delete(callback);
  }

  async _ensureConnected() {
    if (this._closed) throw new ConnectError('client is closed');
    if (this._ws) return this._ws;
    if (!this._opening) {
      this._opening = this._openWithRetries().finally(() => { this._opening = null; });
    }
    return this._opening;
  }

  async _openWithRetries() {
    if (this._connectedOnce && !this.reconnect) throw new ConnectionLostError('connection lost (reconnect is off)');
    const attempts = this._connectedOnce ? this.reconnectAttempts : 1;
    for (let i = 0; ; i++) {
      try {
        return await this._open();
      } catch (e) {
        if (e instanceof AuthenticationError) throw e;
        if (i >= attempts - 1) {
          if (this.endpoint === null || !(e instanceof ConnectError)) throw e;
          throw new SessionHostUnavailableError(
            `session's host is unavailable (route ${this.route}): ${e.rpcMessage}`, e.status, this.route);
        }
        await new Promise((r) => setTimeout(r, 250 * 2 ** i));
      }
    }
  }

  _credentials() {
    if (!this.token) return { protocols: undefined, headers: {} };
    if (this.auth === 'header') return { protocols: undefined, headers: { Authorization: `Bearer ${this.token}` } };
    return { protocols: ['codebeaker.v1', `codebeaker.bearer.${this.token}`], headers: {} };
  }

  async _open() {
    const WS = this._WebSocket ?? globalThis.WebSocket;
    if (!WS) throw new ConnectError('no WebSocket in this runtime: on Node 20 run node --experimental-websocket, or pass options.WebSocket');
    const url = this.endpoint ?? this.url;
    const { protocols, headers } = this._credentials();
    let ws;
    try {
      ws = this.auth === 'header' && this.token ? new WS(url, { headers }) : new WS(url, protocols);
    } catch (e) {
      throw new ConnectError(`cannot connect to ${url}: ${e.message}`);
    }
    const opened = await new Promise((resolve) => {
      const timer = setTimeout(() => { try { ws.close(); } catch { /* not open */ } resolve('timeout'); }, this.connectTimeoutMs);
      ws.onopen = () => { clearTimeout(timer); resolve('open'); };
      ws.onerror = () => { clearTimeout(timer); resolve('error'); };
      ws.onclose = () => { clearTimeout(timer); resolve('error'); };
    });
    if (opened !== 'open') {
      if (opened === 'timeout') throw new ConnectError(`cannot connect to ${url}: no answer within ${this.connectTimeoutMs} ms`);
      const hs = { ...headers };
      if (protocols) hs['Sec-WebSocket-Protocol'] = protocols.join(', ');
      const status = await handshakeStatus(url, hs, this.connectTimeoutMs);
      if (status === 401) throw new AuthenticationError(`token refused by ${url} (HTTP 401)`, 401);
      if (status && status !== 101) throw new ConnectError(`${url} refused the WebSocket upgrade: HTTP ${status}`, status);
      throw new ConnectError(`cannot connect to ${url} (nothing listening, a refused upgrade or a refused token)`);
    }
    ws.onmessage = (e) => { this._lastMessage = Date.now(); this._dispatch(e.data); };
    ws.onerror = () => this._lost(ws, 'connection error');
    ws.onclose = (e) => this._lost(ws, `connection closed (${e.code})`);
    this._ws = ws;
    this._connectedOnce = true;
    this.connections += 1;
    this._heartbeat(ws);
    return ws;
  }

  // A server that stopped answering without closing the connection (frozen, or a dead network path) is
  // noticed only by asking: while requests wait, a silence of heartbeatMs sends `initialize` (cheap, cached
  // by the server), and no answer within heartbeatMs drops the connection, failing the waiting requests.
  _heartbeat(ws) {
    this._lastMessage = Date.now();
    let probing = false;
    const timer = setInterval(() => {
      if (this._ws !== ws) { clearInterval(timer); return; }
      if (probing || this._pending.size === 0 || Date.now() - this._lastMessage < this.heartbeatMs) return;
      probing = true;
      this.call('initialize', {}, { timeoutMs: this.heartbeatMs }).catch((e) => {
        if (!(e instanceof RequestTimeoutError) || this._ws !== ws) return;
        this._lost(ws, `the server did not answer within ${this.heartbeatMs} ms`);
        try { ws.close(); } catch { /* already closing */ }
      }).finally(() => { probing = false; });
    }, Math.max(100, this.heartbeatMs / 4));
    timer.unref?.();
  }

  _lost(ws, reason) {
    if (this._ws !== ws) return;
    this._ws = null;
    const pending = [...this._pending.values()];
    this._pending.clear();
    for (const p of pending) p.reject(new ConnectionLostError(reason));
    const executions = [...this._executions.values()];
    this._executions.clear();
    for (const ex of executions) ex._end();
  }

  _dispatch(data) {
    let msg;
    try { msg = JSON.parse(typeof data === 'string' ? data : new TextDecoder().decode(data)); } catch { return; }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (!m || typeof m !== 'object') continue;
      if ('method' in m && !('id' in m)) {
        const params = m.params ?? {};
        const event = eventFrom(m.method, params);
        if (event) this._executions.get(params.requestId)?._push(event);
        for (const l of [...this._listeners]) l(m.method, params);
        continue;
      }
      const p = this._pending.get(m.id);
      if (!p) continue;
      this._pending.delete(m.id);
      p.resolve(m);
    }
  }

  async _send(method, params, timeoutMs) {
    let ws = await this._ensureConnected();
    if (ws.readyState !== 1) { // closing: a browser's send() would drop the message without a word
      this._lost(ws, 'connection closing');
      ws = await this._ensureConnected();
    }
    const id = this._nextId++;
    let timer;
    const answer = new Promise((resolve, reject) => {
      timer = setTimeout(() => {
        this._pending.delete(id);
        reject(new RequestTimeoutError(`${method}: no answer within ${timeoutMs} ms`));
      }, timeoutMs);
      this._pending.set(id, {
        resolve: (m) => { clearTimeout(timer); resolve(m); },
        reject: (e) => { clearTimeout(timer); reject(e); },
      });
    });
    try {
      ws.send(JSON.stringify(params === undefined ? { jsonrpc: '2.0', id, method } : { jsonrpc: '2.0', id, method, params }));
    } catch (e) {
      this._pending.delete(id);
      clearTimeout(timer);
      throw new ConnectionLostError(`connection lost while sending ${method}: ${e.message}`);
    }
    const result = answer.then((m) => {
      if (m.error) throw fromRpc(m.error);
      return m.result;
    });
    return { id, result };
  }

  /** One JSON-RPC request; resolves to its `result`, rejects with the typed error. */
  async call(method, params, { timeoutMs } = {}) {
    return (await this._send(method, params, timeoutMs ?? this.requestTimeoutMs)).result;
  }

  /** Sends an execution with `stream: true` and returns its handle at once (events, cancel, result). */
  async startExecution(method, params, seconds, parse, onOutput, onProgress) {
    const waitMs = (seconds ?? 300) * 1000 + this.executionGraceMs;
    const { id, result } = await this._send(method, { ...params, stream: true }, waitMs);
    const ex = new Execution(this, id, params.sessionId, onOutput, onProgress);
    this._executions.set(id, ex);
    ex._result = result.then(parse, async (e) => {
      if (e instanceof RequestTimeoutError) await ex.cancel(0).catch(() => {});
      throw e;
    }).finally(() => {
      ex.done = true;
      this._executions.delete(id);
      ex._end();
    });
    ex._result.catch(() => {}); // the caller may never ask for the result; no unhandled rejection
    return ex;
  }
}
