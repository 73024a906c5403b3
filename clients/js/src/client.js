// The client: the API's methods over the JSON-RPC plumbing of rpc.js.
import { fromExecutionRun } from './results.js';
import { RpcClient, DEFAULT_URL } from './rpc.js';
import { Session } from './session.js';

export { DEFAULT_URL };

export class CodeBeakerClient extends RpcClient {
  static async connect(url = DEFAULT_URL, options = {}) {
    const c = new CodeBeakerClient(url, options);
    await c.connect();
    return c;
  }

  // ---- methods ----

  initialize() { return this.call('initialize', {}); }

  async languages() { return (await this.call('language.list', {})).languages; }

  /** session.create; params in the API's spelling (`{ stateful: true, memoryLimitMB: 256, env: {...} }`). */
  async createSession(language, params = {}) {
    const info = await this.call('session.create', { ...params, language });
    this.pin(info);
    return new Session(this, info.sessionId, info);
  }

  /** Runs `fn(session)` in a new session and closes it afterwards, whatever happens. */
  async withSession(language, fn, params = {}) {
    const s = await this.createSession(language, params);
    try { return await fn(s); } finally { await s.close().catch(() => {}); }
  }

  /** A handle to an existing session (created earlier, perhaps on another connection). */
  session(sessionId) { return new Session(this, sessionId); }

  async listSessions() { return (await this.call('session.list', {})).sessions; }

  async closeSession(sessionId) { return Boolean((await this.call('session.close', { sessionId })).closed); }

  /** execution.run: a one-off run in a fresh session closed afterwards. Options: stdin, timeout (seconds), env,
   * onOutput, and session.create params. */
  async run(language, code, options = {}) { return (await this.startRun(language, code, options)).result(); }

  startRun(language, code, { onOutput, ...params } = {}) {
    return this.startExecution('execution.run', { ...params, language, code }, params.timeout, fromExecutionRun, onOutput);
  }

  /** session.cancel by requestId or executionId: true if something was stopped. */
  async cancel({ requestId, executionId, sessionId } = {}) {
    const p = {};
    if (requestId !== undefined) p.requestId = requestId;
    if (executionId !== undefined) p.executionId = executionId;
    if (sessionId !== undefined) p.sessionId = sessionId;
    return Boolean((await this.call('session.cancel', p)).cancelled);
  }
}
