/// The Deno runner: one deno process per session sandbox, started with the session's permission flags.
/// Each execution is a fresh module (`/tmp/cb/exec.ts?job=N`, TypeScript compiled by Deno itself);
/// relative imports from it resolve into /workspace through the import map's scope.
///
/// Channels (set up by the shell wrapper in DenoLaunch): fd 7 = control in (a pipe fed from the driver's
/// socket), fd 6 = control out, fd 1/2 = the current job's stdout/stderr, fd 0 = /dev/null.
/// Deno cannot use the socket on fd 3 directly, hence the pipes.
let denoRunnerScript = #"""
// CodeBeaker Deno runner. Protocol: docs/driver-protocol.md "Runner protocol" (see RunnerProcess).
import { Worker } from "node:worker_threads";

const enc = new TextEncoder();
const EXEC = "/tmp/cb/exec.ts";
// Opened while the start-up grants allow it; both grants are revoked below, so user code cannot.
const ctlOut = Deno.openSync("/proc/self/fd/6", { write: true });
Deno.mkdirSync("/tmp/cb", { recursive: true });
const execFile = Deno.openSync(EXEC, { write: true, create: true, truncate: true });

function writeAll(f, bytes) {
  let off = 0;
  while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
}
function send(o) { writeAll(ctlOut, enc.encode(JSON.stringify(o) + "\n")); }
function writeErr(s) { try { writeAll(Deno.stderr, enc.encode(s)); } catch { /* pipe gone */ } }

const reader = new Worker(new URL("./deno-control.js", import.meta.url));
let ctlBuf = "";
const dec = new TextDecoder();
reader.on("message", (chunk) => {
  if (chunk === null) Deno.exit(0);
  ctlBuf += dec.decode(chunk, { stream: true });
  let i;
  while ((i = ctlBuf.indexOf("\n")) >= 0) {
    const line = ctlBuf.slice(0, i);
    ctlBuf = ctlBuf.slice(i + 1);
    let m;
    try { m = JSON.parse(line); } catch { continue; }
    if (m.op === "opened") revokeStartupGrants();
    else if (m.op === "exec") start(m);
    else if (m.op === "cancel" && job && job.id === m.id) finish({ cancelled: true, exitCode: null, signal: 9 });
  }
});

let started = false;
async function revokeStartupGrants() {
  await Deno.permissions.revoke({ name: "write", path: "/proc/self/fd/6" });
  await Deno.permissions.revoke({ name: "read", path: "/proc/self/fd/7" });
  await Deno.permissions.revoke({ name: "write", path: "/tmp/cb" });
  if (!started) {
    started = true;
    baseline = new Set(Object.getOwnPropertyNames(globalThis));
    send({ op: "ready", pid: Deno.pid });
  }
}

class ExitSignal extends Error { constructor(code) { super("exit"); this.code = code; } }
const realExit = Deno.exit;
Deno.exit = (code) => { throw new ExitSignal(code === undefined ? 0 : code | 0); };

let job = null;
const timers = new Set();
const realSetTimeout = globalThis.setTimeout, realSetInterval = globalThis.setInterval;
const realClearTimeout = globalThis.clearTimeout, realClearInterval = globalThis.clearInterval;
// Timers a job leaves behind are cleared when it ends, so the next job starts clean.
globalThis.setTimeout = (fn, ms, ...a) => {
  const t = realSetTimeout((...x) => { timers.delete(t); if (typeof fn === "function") fn(...x); }, ms, ...a);
  timers.add(t);
  return t;
};
globalThis.setInterval = (fn, ms, ...a) => { const t = realSetInterval(fn, ms, ...a); timers.add(t); return t; };
globalThis.clearTimeout = (t) => { timers.delete(t); realClearTimeout(t); };
globalThis.clearInterval = (t) => { timers.delete(t); realClearInterval(t); };

function start(m) {
  const j = { id: m.id, done: false };
  job = j;
  reader.unref();
  j.deadline = realSetTimeout(() => finish({ timedOut: true, exitCode: null, signal: 9 }), m.timeoutMs || 30000);
  Deno.unrefTimer(j.deadline);
  if (m.kind !== "code") {
    writeErr("deno runner: shell jobs are run by the driver\n");
    finish({ exitCode: 126 });
    return;
  }
  try { Deno.chdir(m.cwd || "/workspace"); } catch { /* no read permission on the workspace */ }
  try {
    execFile.truncateSync(0);
    execFile.seekSync(0, Deno.SeekMode.Start);
    writeAll(execFile, enc.encode(m.code));
  } catch (e) {
    writeErr("deno runner: cannot stage the program: " + e + "\n");
    finish({ exitCode: 70 });
    return;
  }
  import(`file://${EXEC}?job=${m.id}`).then(
    () => { j.evaluated = true; },
    (e) => onUncaught(e),
  );
  // The job ends at 'beforeunload': when its module, timers and I/O have all settled.
}

// Globals a finished program created are removed, so the next one starts clean.
let baseline = null;
function resetGlobals() {
  if (!baseline) return;
  for (const k of Object.getOwnPropertyNames(globalThis)) {
    if (!baseline.has(k)) { try { delete globalThis[k]; } catch { /* non-configurable */ } }
  }
}

function finish(r) {
  const j = job;
  if (!j || j.done) return;
  j.done = true;
  job = null;
  resetGlobals();
  realClearTimeout(j.deadline);
  for (const t of timers) { realClearTimeout(t); realClearInterval(t); }
  timers.clear();
  // A job stopped early may have left a busy loop of promises behind: start over with a fresh runner
  // ("restart" tells the driver not to send this one another job).
  const restart = !!(r.timedOut || r.cancelled);
  send({ op: "done", id: j.id, exitCode: r.exitCode === undefined ? null : r.exitCode, signal: r.signal || null,
         timedOut: !!r.timedOut, cancelled: !!r.cancelled, reason: r.reason || null, restart });
  reader.ref();
  if (restart) realExit(0);
}

function formatError(e) {
  if (e instanceof ExitSignal) return "";
  const name = e && e.name ? e.name : "Error";
  let text;
  if (e && typeof e.stack === "string") {
    const lines = e.stack.split("\n").filter((l) => !/deno-runner\.ts|ext:|node:/.test(l));
    text = lines.join("\n");
  } else {
    text = name + ": " + String(e && e.message !== undefined ? e.message : e);
  }
  text = text.replaceAll(/file:\/\/\/tmp\/cb\/exec\.ts\?job=\d+/g, "file:///workspace/$exec.ts");
  return "error: Uncaught (in promise) " + text + "\n";
}

function onUncaught(e) {
  const j = job;
  if (!j || j.done) { if (!(e instanceof ExitSignal)) writeErr("deno runner: error outside a job: " + formatError(e)); return; }
  if (e instanceof ExitSignal) { finish({ exitCode: e.code }); return; }
  writeErr(formatError(e));
  // Deno 2 names permission failures NotCapable (PermissionDenied before): say it in the result's reason too.
  const denied = e && (e.name === "NotCapable" || e.name === "PermissionDenied");
  finish({ exitCode: 1, reason: denied ? "PermissionDenied: " + e.message : null });
}

globalThis.addEventListener("error", (ev) => { ev.preventDefault(); onUncaught(ev.error); });
globalThis.addEventListener("unhandledrejection", (ev) => { ev.preventDefault(); onUncaught(ev.reason); });
globalThis.addEventListener("beforeunload", (ev) => {
  if (job && !job.done) finish({ exitCode: 0 });
  reader.ref();
  ev.preventDefault();
});
"""#

/// The control reader: blocking reads of fd 7 in a worker thread, posted to the runner (which can then
/// unref the worker while a job runs, so 'beforeunload' marks the job's end).
let denoControlScript = #"""
import { parentPort } from "node:worker_threads";
const f = Deno.openSync("/proc/self/fd/7", { read: true });
parentPort.postMessage(new TextEncoder().encode('{"op":"opened"}\n'));
const buf = new Uint8Array(1 << 16);
while (true) {
  let n;
  try { n = f.readSync(buf); } catch { n = null; }
  if (n === null || n === 0) { parentPort.postMessage(null); break; }
  parentPort.postMessage(buf.slice(0, n));
}
"""#
