// CodeBeaker Node runner: one node process per session sandbox (bubblewrap + cgroup).
// Control channel: fd 3, one JSON object per line. In: {"op":"exec",...} and {"op":"cancel","id"}.
// Out: {"op":"ready"} once, then {"op":"done","id",exitCode,signal,timedOut,cancelled,reason} per job.
// Output goes straight to fds 1 and 2 (read by the driver). Jobs arrive one at a time.
// Each code job runs in a fresh vm context (fresh globals); it is over when node would have exited:
// the control socket is unref'd while a job runs, so 'beforeExit' fires once the job's work has drained.
// After a job that ends any other way (timeout, process.exit, uncaught error) with work still pending,
// the runner exits after reporting, and the driver starts a fresh one.
// An ES module (so it can import the reader shared with the deno and bun runners); strict by definition.
import fs from 'node:fs';
import vm from 'node:vm';
import net from 'node:net';
import os from 'node:os';
import util from 'node:util';
import cp from 'node:child_process';
import { Console } from 'node:console';
import { Writable, Readable } from 'node:stream';
import { EventEmitter } from 'node:events';
import Module from 'node:module';
import { controlLines, dispatchJob } from './control.mjs';

// CommonJS modules a job loaded (its require() is the one makeRequire builds, over this same cache).
const moduleCache = Module.createRequire(import.meta.url).cache;

const STATEFUL = process.argv.includes('--stateful');
// Killing by pid list is only safe as a process of the sandbox's own pid namespace, unprivileged.
const SANDBOXED = process.argv.includes('--sandboxed') && process.pid <= 3 && process.getuid() !== 0;
const BASE_ENV = Object.assign({}, process.env);
const ctl = new net.Socket({ fd: 3, readable: true, writable: true });
let job = null;        // the running job's state
let statefulCtx = null;

function send(o) { ctl.write(JSON.stringify(o) + '\n'); }

function writeFd(fd, s) {
  const b = Buffer.from(String(s));
  let off = 0;
  while (off < b.length) {
    try { off += fs.writeSync(fd, b, off, b.length - off); }
    catch (e) { if (e.code === 'EAGAIN') continue; return; }
  }
}

ctl.setEncoding('utf8');
ctl.on('data', controlLines((msg) => dispatchJob({ start, finish, current: () => job }, msg)));
ctl.on('end', () => process.exit(0));
ctl.on('error', () => process.exit(0));

class ExitSignal { constructor(code) { this.code = code; } }

function start(m) {
  const j = { id: m.id, m, done: false, timers: new Set(), child: null, exitHandlers: new EventEmitter() };
  job = j;
  ctl.unref();
  j.deadline = setTimeout(() => finish({ timedOut: true, exitCode: null, signal: 9 }), m.timeoutMs || 30000);
  j.deadline.unref();
  if (m.kind === 'shell') runShell(j); else runCode(j);
}

// Ends the current job once. `pending` work left behind means this runner can no longer be trusted
// to start the next job clean: report, then exit.
function finish(r) {
  const j = job;
  if (!j || j.done) return;
  j.done = true;
  job = null;
  clearTimeout(j.deadline);
  if (j.child) { try { process.kill(-j.child.pid, 'SIGKILL'); } catch {} }
  for (const t of j.timers) { clearTimeout(t); clearInterval(t); clearImmediate(t); }
  if (!r.timedOut && !r.cancelled) {
    try { j.exitHandlers.emit('exit', r.exitCode); } catch {}
  }
  purgeWorkspaceModules();
  // Work left behind by a job that did not end on its own means this runner cannot start the next job
  // clean: say so in the report (the driver replaces the runner), then exit.
  // A plain session's program may not leave threads behind (an unref'd Worker keeps a core busy after
  // the result): more threads than the idle runner had means the runner is replaced before the result.
  const restart = (!!(r.timedOut || r.cancelled || r.forced) && pendingWork()) || (!STATEFUL && threadsGrew());
  send({ op: 'done', id: j.id, exitCode: r.exitCode === undefined ? null : r.exitCode, signal: r.signal || null,
         timedOut: !!r.timedOut, cancelled: !!r.cancelled, reason: r.reason || null, restart });
  ctl.ref();
  if (restart) { ctl.end(() => process.exit(0)); return; }
  if (!STATEFUL) killLeftovers();
}

// A fresh program per call: no process of a finished job may outlive it (including ones that left its
// process group). Only inside the sandbox's own pid namespace, where pid 1 is bwrap's init.
function killLeftovers() {
  if (!SANDBOXED) return;
  let names;
  try { names = fs.readdirSync('/proc'); } catch { return; }
  for (const n of names) {
    const pid = Number(n);
    if (!Number.isInteger(pid) || pid === 1 || pid === process.pid) continue;
    try { process.kill(pid, 'SIGKILL'); } catch {}
  }
}

// Threads of this process: main, V8's platform workers and libuv's pool (started before 'ready').
let baseThreads = Infinity;
function threadCount() { try { return fs.readdirSync('/proc/self/task').length; } catch { return 0; } }
function threadsGrew() { return threadCount() > baseThreads; }

function pendingWork() {
  const own = new Set(['PipeWrap', 'TCPSocketWrap', 'TTYWrap']);
  return process.getActiveResourcesInfo().some((r) => !own.has(r));
}

// Modules loaded from the workspace must be re-read by the next program.
function purgeWorkspaceModules() {
  for (const k of Object.keys(moduleCache)) if (k.startsWith('/workspace/')) delete moduleCache[k];
}

process.on('beforeExit', () => {
  if (job && !job.done && job.m.kind !== 'shell') finish({ exitCode: job.exitCode || 0 });
});
process.on('uncaughtException', (e) => onUncaught(e));
process.on('unhandledRejection', (e) => onUncaught(e));

function onUncaught(e) {
  const j = job;
  if (!j || j.done) {
    // A late callback of a finished job, or a runner bug: log it, never let it kill the runner.
    if (!(e instanceof ExitSignal)) writeFd(2, 'runner: uncaught outside a job: ' + formatError(e));
    return;
  }
  if (e instanceof ExitSignal) { finish({ exitCode: e.code, forced: true }); return; }
  j.writeErr(formatError(e));
  finish({ exitCode: 1, forced: true });
}

// The error as node would print it, without the runner's own frames.
function formatError(e) {
  if (!(e && typeof e === 'object' && typeof e.stack === 'string')) return 'Uncaught ' + util.inspect(e) + '\n';
  const lines = e.stack.split('\n');
  const cut = lines.findIndex((l) => /^\s+at .*(node:vm:|\/opt\/codebeaker\/)/.test(l));
  return (cut >= 0 ? lines.slice(0, cut) : lines).join('\n') + '\n';
}

function runShell(j) {
  const argv = j.m.argv;
  const env = Object.assign({}, BASE_ENV, j.m.env || {});
  let child;
  try {
    child = cp.spawn(argv[0], argv.slice(1), { cwd: j.m.cwd || '/workspace', env, detached: true,
      stdio: [j.m.stdin != null ? 'pipe' : 'ignore', 1, 2] });
  } catch (e) {
    writeFd(2, argv[0] + ': ' + e.message + '\n');
    finish({ exitCode: 127 });
    return;
  }
  j.child = child;
  child.on('error', (e) => {
    writeFd(2, e.code === 'ENOENT' ? argv[0] + ': command not found\n' : argv[0] + ': ' + e.message + '\n');
    finish({ exitCode: e.code === 'EACCES' ? 126 : 127 });
  });
  child.on('exit', (code, sig) => {
    try { process.kill(-child.pid, 'SIGKILL'); } catch {}
    j.child = null;
    finish({ exitCode: code, signal: sig ? os.constants.signals[sig] : null });
  });
  if (child.stdin) { child.stdin.on('error', () => {}); child.stdin.end(j.m.stdin); }
}

function makeWritable(fd, j) {
  return new Writable({
    decodeStrings: false,
    write(chunk, enc, cb) { if (!j.done) writeFd(fd, chunk); cb(); },
  });
}

function trackTimers(j) {
  const add = (t) => { j.timers.add(t); return t; };
  return {
    setTimeout: (fn, ms, ...a) => { const t = setTimeout((...x) => { j.timers.delete(t); fn(...x); }, ms, ...a); return add(t); },
    setInterval: (fn, ms, ...a) => add(setInterval(fn, ms, ...a)),
    setImmediate: (fn, ...a) => { const t = setImmediate((...x) => { j.timers.delete(t); fn(...x); }, ...a); return add(t); },
    clearTimeout: (t) => { j.timers.delete(t); clearTimeout(t); },
    clearInterval: (t) => { j.timers.delete(t); clearInterval(t); },
    clearImmediate: (t) => { j.timers.delete(t); clearImmediate(t); },
  };
}

function stdinData(j) { return j.m.stdin == null ? '' : String(j.m.stdin); }

function makeFs(j) {
  const isStdin = (p) => p === 0 || p === '/dev/stdin' || p === '/proc/self/fd/0';
  const f = Object.create(fs);
  f.readFileSync = (p, opts) => {
    if (!isStdin(p)) return fs.readFileSync(p, opts);
    const b = Buffer.from(stdinData(j));
    const enc = typeof opts === 'string' ? opts : opts && opts.encoding;
    return enc ? b.toString(enc) : b;
  };
  return f;
}

function makeProcess(j, out, err, env) {
  // process's own accessors (stdout, stdin, ...) have no setters: define shadowing properties instead.
  const p = Object.create(process);
  const def = (k, v) => Object.defineProperty(p, k, { value: v, writable: true, configurable: true, enumerable: true });
  const em = j.exitHandlers;
  for (const k of ['on', 'once', 'addListener', 'off', 'removeListener', 'removeAllListeners', 'emit', 'listeners', 'prependListener']) {
    def(k, (...a) => { const r = em[k](...a); return r === em ? p : r; });
  }
  def('exit', (code) => { throw new ExitSignal(code === undefined ? (j.exitCode || 0) : code | 0); });
  def('argv', [process.execPath]);
  def('env', env);
  out.isTTY = false; err.isTTY = false; out.fd = 1; err.fd = 2;
  def('stdout', out);
  def('stderr', err);
  const stdin = Readable.from(stdinData(j) ? [stdinData(j)] : []);
  stdin.fd = 0;
  def('stdin', stdin);
  Object.defineProperty(p, 'exitCode', { get() { return j.exitCode; }, set(v) { j.exitCode = v; }, configurable: true });
  return p;
}

function makeRequire(j) {
  const base = Module.createRequire('/workspace/[eval]');
  const r = (id) => (id === 'fs' || id === 'node:fs') ? j.fs : base(id);
  r.resolve = base.resolve; r.cache = base.cache; r.main = undefined;
  return r;
}

const SHARED = ['Buffer', 'URL', 'URLSearchParams', 'TextEncoder', 'TextDecoder', 'AbortController', 'AbortSignal',
  'EventTarget', 'Event', 'queueMicrotask', 'structuredClone', 'atob', 'btoa', 'performance', 'fetch', 'crypto',
  'Blob', 'BroadcastChannel', 'MessageChannel', 'MessagePort', 'Headers', 'Request', 'Response', 'FormData'];

function bindGlobals(g, j) {
  const out = makeWritable(1, j), err = makeWritable(2, j);
  j.writeErr = (s) => { if (!j.done) writeFd(2, s); };
  const env = Object.assign({}, BASE_ENV, j.m.env || {});
  j.fs = makeFs(j);
  g.console = new Console({ stdout: out, stderr: err, colorMode: false });
  g.process = makeProcess(j, out, err, env);
  Object.assign(g, trackTimers(j));
  g.require = makeRequire(j);
  g.module = { exports: {}, id: '[eval]', filename: '/workspace/[eval]', loaded: false, children: [], paths: [] };
  g.exports = g.module.exports;
  g.__filename = '[eval]';
  g.__dirname = '.';
}

function newContext() {
  const g = {};
  for (const k of SHARED) if (k in globalThis) g[k] = globalThis[k];
  const ctx = vm.createContext(g, { name: 'user' });
  vm.runInContext('globalThis.global = globalThis;', ctx);
  return ctx;
}

function compile(code) {
  try {
    return { script: new vm.Script(code, { filename: '[eval]' }), wrapped: false };
  } catch (e) {
    if (!(e instanceof SyntaxError) || !/await/.test(code)) throw e;
    // Top-level await: run the program as an async function body.
    return { script: new vm.Script('(async () => {\n' + code + '\n})()', { filename: '[eval]', lineOffset: -1 }), wrapped: true };
  }
}

function runCode(j) {
  const ctx = STATEFUL ? (statefulCtx || (statefulCtx = newContext())) : newContext();
  bindGlobals(ctx, j);
  const env = j.m.env;
  try { process.chdir(j.m.cwd || '/workspace'); } catch {}
  let c;
  try {
    c = compile(j.m.code);
  } catch (e) {
    j.writeErr(formatError(e));
    finish({ exitCode: 1 });
    return;
  }
  try {
    const r = c.script.runInContext(ctx, { timeout: j.m.timeoutMs || 30000, breakOnSigint: false });
    if (c.wrapped && r && typeof r.then === 'function') {
      r.then(() => {}, (e) => onUncaught(e));
    }
  } catch (e) {
    if (e instanceof ExitSignal) { finish({ exitCode: e.code, forced: true }); return; }
    if (e && e.code === 'ERR_SCRIPT_EXECUTION_TIMEOUT') { finish({ timedOut: true, exitCode: null, signal: 9 }); return; }
    j.writeErr(formatError(e));
    finish({ exitCode: 1, forced: true });
  }
  // Otherwise the job ends at 'beforeExit', when its timers and I/O have drained.
}

// Warm the paths a job uses (context creation, compile, console) before saying ready.
try {
  const j = { id: 0, m: { code: '', env: {} }, done: true, timers: new Set(), exitHandlers: new EventEmitter() };
  const ctx = newContext();
  bindGlobals(ctx, j);
  vm.runInContext('console.log([1, {a: "x"}], 1.5); JSON.stringify({a: [1]})', ctx);
} catch (e) {
  writeFd(2, 'runner warm-up failed: ' + (e && e.stack || e) + '\n');
  process.exit(70);
}
// libuv starts its whole thread pool on first use: start it now, so it counts in the idle baseline.
fs.stat('/', () => {
  baseThreads = threadCount();
  send({ op: 'ready', pid: process.pid });
});
