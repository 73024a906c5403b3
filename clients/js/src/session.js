// A session: a private workspace and sandbox on the server, not tied to a connection, so it keeps working
// after the client reconnects.
import { CommandError } from './errors.js';
import { fromExecute, fromBase64, toBase64 } from './results.js';

const defined = (o) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));

export class Session {
  constructor(client, id, info = null) {
    this.client = client;
    this.id = id;
    this.info = info;
  }

  close() { return this.client.closeSession(this.id); }

  /** For `await using s = await cb.createSession(...)` where the runtime supports it. */
  [Symbol.asyncDispose ?? Symbol.for('Symbol.asyncDispose')]() { return this.close(); }

  /** session.execute with any command; the answer `{success, result, error, durationMs, ...}` as is. */
  execute(command, { timeoutMs } = {}) {
    return this.client.call('session.execute', { sessionId: this.id, command }, { timeoutMs });
  }

  async _file(command) {
    const r = await this.execute(command);
    if (!r.success) throw new CommandError(`${command.type} failed: ${r.error}`, r);
    return r.result ?? {};
  }

  _start(command, { onOutput, onProgress } = {}, seconds = command.timeout) {
    return this.client.startExecution('session.execute', { sessionId: this.id, command }, seconds, fromExecute,
      onOutput, onProgress);
  }

  // ---- executions: run/shell/install wait for the result, start* return the Execution at once ----

  /** Options: stdin, timeout (seconds), env, language, onOutput. */
  start(code, { stdin, timeout, env, language, ...cb } = {}) {
    return this._start(defined({ type: 'execute_code', code, stdin, timeout, env, language }), cb);
  }

  async run(code, options) { return (await this.start(code, options)).result(); }

  /** A program from the sandbox's PATH with its arguments (not a shell string: `shell('sh', ['-c', '...'])`).
   * Options: cwd, stdin, timeout (seconds), env, onOutput. */
  startShell(command, args = [], { cwd, stdin, timeout, env, ...cb } = {}) {
    return this._start(defined({ type: 'execute_shell', commandName: command, args, workingDirectory: cwd, stdin,
      timeout, env }), cb);
  }

  async shell(command, args, options) { return (await this.startShell(command, args, options)).result(); }

  /** install_packages; the result's `installed` lists `{name, version}`. Options: requirementsFile, flags,
   * manager, onOutput, onProgress. */
  startInstall(packages = [], { requirementsFile, flags, manager, ...cb } = {}) {
    return this._start(defined({ type: 'install_packages', packages, requirementsFile, flags, manager }), cb, 300);
  }

  async install(packages, options) { return (await this.startInstall(packages, options)).result(); }

  // ---- files (a failure throws CommandError) ----

  async writeFile(path, content, { append = false } = {}) {
    const cmd = { type: 'write_file', path, mode: append ? 'Append' : 'Create' };
    if (content instanceof Uint8Array) Object.assign(cmd, { content: toBase64(content), encoding: 'base64' });
    else cmd.content = content;
    return (await this._file(cmd)).bytes;
  }

  async readFile(path) { return (await this._file({ type: 'read_file', path })).content; }

  async readBytes(path) {
    return fromBase64((await this._file({ type: 'read_file', path, encoding: 'base64' })).content);
  }

  async listFiles(path = '/workspace', { recursive = false, pattern } = {}) {
    return (await this._file(defined({ type: 'list_directory', path, recursive, pattern }))).entries ?? [];
  }

  async deleteFile(path) { await this._file({ type: 'delete_file', path }); }

  async createDirectory(path) { return Boolean((await this._file({ type: 'create_directory', path })).created); }

  async copyFile(source, destination) {
    await this._file({ type: 'copy_file', sourcePath: source, destinationPath: destination });
  }
}
