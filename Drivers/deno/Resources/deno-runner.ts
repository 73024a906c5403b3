// CodeBeaker Deno runner. Protocol: docs/driver-protocol.md "Runner protocol" (see RunnerProcess).
import { Worker } from "node:worker_threads";
import { controlLines, dispatchJob } from "./control.mjs";

/** The job's end as reported in "done". */
type Outcome = { exitCode?: number | null; signal?: number | null; timedOut?: boolean; cancelled?: boolean; reason?: string | null };
/** An "exec" message (docs/driver-protocol.md, "Runner protocol"). */
type ExecMessage = { op: "exec"; id: number; kind: string; code: string; cwd?: string; timeoutMs?: number };
// What setTimeout returns (a number in older Deno releases, a Timeout object in newer ones).
type Timer = ReturnType<typeof setTimeout>;
type Job = { id: number; done: boolean; deadline?: Timer; evaluated?: boolean };

const enc = new TextEncoder();
const EXEC = "/tmp/cb/exec.ts";
// Opened while the start-up grants allow it; both grants are revoked below, so user code cannot.
const ctlOut = Deno.openSync("/proc/self/fd/6", { write: true });
Deno.mkdirSync("/tmp/cb", { recursive: true });
const execFile = Deno.openSync(EXEC, { write: true, create: true, truncate: true });

function writeAll(f: { writeSync(p: Uint8Array): number }, bytes: Uint8Array) {
  let off = 0;
  while (off < bytes.length) off += f.writeSync(bytes.subarray(off));
}
function send(o: object) { writeAll(ctlOut, enc.encode(JSON.stringify(o) + "\n")); }
function writeErr(s: string) { try { writeAll(Deno.stderr, enc.encode(s)); } catch { /* pipe gone */ } }

const reader = new Worker(new URL("./deno-control.mjs", import.meta.url));
const feed = controlLines((m) => {
  if (m.op === "opened") revokeStartupGrants();
  else dispatchJob({ start, finish, current: () => job }, m);
});
reader.on("message", (chunk: Uint8Array | null) => {
  if (chunk === null) Deno.exit(0);
  feed(chunk);
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

class ExitSignal extends Error { constructor(readonly code: number) { super("exit"); } }
const realExit = Deno.exit;
Deno.exit = (code?: number): never => { throw new ExitSignal(code === undefined ? 0 : code | 0); };

let job: Job | null = null;
const timers = new Set<Timer>();
const realSetTimeout = globalThis.setTimeout, realSetInterval = globalThis.setInterval;
const realClearTimeout = globalThis.clearTimeout, realClearInterval = globalThis.clearInterval;
// Timers a job leaves behind are cleared when it ends, so the next job starts clean.
type Callback = (...args: unknown[]) => void;
const g = globalThis as unknown as Record<string, unknown>;
g.setTimeout = (fn: Callback, ms?: number, ...a: unknown[]) => {
  const t: Timer = realSetTimeout((...x: unknown[]) => { timers.delete(t); if (typeof fn === "function") fn(...x); }, ms, ...a);
  timers.add(t);
  return t;
};
g.setInterval = (fn: Callback, ms?: number, ...a: unknown[]) => { const t = realSetInterval(fn, ms, ...a); timers.add(t); return t; };
g.clearTimeout = (t?: Timer) => { if (t !== undefined) timers.delete(t); realClearTimeout(t); };
g.clearInterval = (t?: Timer) => { if (t !== undefined) timers.delete(t); realClearInterval(t); };

function start(m: ExecMessage) {
  const j: Job = { id: m.id, done: false };
  job = j;
  reader.unref();
  const deadline = realSetTimeout(() => finish({ timedOut: true, exitCode: null, signal: 9 }), m.timeoutMs || 30000);
  Deno.unrefTimer(deadline);
  j.deadline = deadline;
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
let baseline: Set<string> | null = null;
function resetGlobals() {
  if (!baseline) return;
  for (const k of Object.getOwnPropertyNames(globalThis)) {
    if (!baseline.has(k)) { try { delete g[k]; } catch { /* non-configurable */ } }
  }
}

function finish(r: Outcome) {
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

function formatError(e: any) {
  if (e instanceof ExitSignal) return "";
  const name = e && e.name ? e.name : "Error";
  let text;
  if (e && typeof e.stack === "string") {
    const lines = e.stack.split("\n").filter((l: string) => !/\/opt\/codebeaker\/|ext:|node:/.test(l));
    text = lines.join("\n");
  } else {
    text = name + ": " + String(e && e.message !== undefined ? e.message : e);
  }
  text = text.replaceAll(/file:\/\/\/tmp\/cb\/exec\.ts\?job=\d+/g, "file:///workspace/$exec.ts");
  return "error: Uncaught (in promise) " + text + "\n";
}

function onUncaught(e: any) {
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
