// CodeBeaker Bun runner. Protocol: docs/driver-protocol.md "Runner protocol" (see RunnerProcess).
import { plugin } from "bun";
import fs from "node:fs";
import vm from "node:vm";
import { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { controlLines, dispatchJob } from "./control.mjs";

// --stateful: executions share one global scope (`var`, `let`, `const` persist), run as scripts.
const STATEFUL = process.argv.includes("--stateful");
const transpiler = new Bun.Transpiler({ loader: "ts" });

plugin({
  name: "codebeaker-workspace",
  setup(build) {
    // `import './x.ts'` in an execution means /workspace/x.ts, as if the program lived there.
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer || !args.importer.startsWith("/tmp/cb/")) return undefined;
      return { path: require("node:path").resolve("/workspace", args.path) };
    });
  },
});

function writeAll(fd, s) {
  const b = Buffer.from(s);
  let off = 0;
  while (off < b.length) {
    try { off += fs.writeSync(fd, b, off, b.length - off); } catch (e) { if (e.code !== "EAGAIN") return; }
  }
}
function send(o) { writeAll(6, JSON.stringify(o) + "\n"); }
function writeErr(s) { writeAll(2, s); }

fs.mkdirSync("/tmp/cb", { recursive: true });
const reader = new Worker("/opt/codebeaker/bun-control.js");
const feed = controlLines((m) => dispatchJob({ start, finish, current: () => job }, m));
reader.on("message", (chunk) => {
  if (chunk === null) realExit(0);
  feed(chunk);
});

class ExitSignal extends Error { constructor(code) { super("exit"); this.code = code; } }
const realExit = process.exit.bind(process);
process.exit = (code) => { throw new ExitSignal(code === undefined ? (process.exitCode || 0) : code | 0); };

let job = null;
const timers = new Set();
const rt = { setTimeout, setInterval, clearTimeout, clearInterval };
globalThis.setTimeout = (fn, ms, ...a) => {
  const t = rt.setTimeout((...x) => { timers.delete(t); if (typeof fn === "function") fn(...x); }, ms, ...a);
  timers.add(t);
  return t;
};
globalThis.setInterval = (fn, ms, ...a) => { const t = rt.setInterval(fn, ms, ...a); timers.add(t); return t; };
globalThis.clearTimeout = (t) => { timers.delete(t); rt.clearTimeout(t); };
globalThis.clearInterval = (t) => { timers.delete(t); rt.clearInterval(t); };
const baseEnv = { ...process.env };

// A job's stdin: fs.readFileSync(0 | "/dev/stdin") and process.stdin read the request's `stdin`.
const realReadFileSync = fs.readFileSync;
fs.readFileSync = function (p, opts) {
  if (job && (p === 0 || p === "/dev/stdin" || p === "/proc/self/fd/0")) {
    const b = Buffer.from(job.stdin);
    const enc = typeof opts === "string" ? opts : opts && opts.encoding;
    return enc ? b.toString(enc) : b;
  }
  return realReadFileSync.apply(this, arguments);
};
let jobStdin = Readable.from([]);
try { Object.defineProperty(process, "stdin", { configurable: true, get: () => jobStdin }); } catch {}

function start(m) {
  const j = { id: m.id, done: false, file: `/tmp/cb/exec_${m.id}.ts`, stdin: m.stdin == null ? "" : String(m.stdin) };
  jobStdin = Readable.from(j.stdin ? [j.stdin] : []);
  job = j;
  reader.unref();
  workersMade = 0;
  j.deadline = rt.setTimeout(() => finish({ timedOut: true, exitCode: null, signal: 9 }), m.timeoutMs || 30000);
  j.deadline.unref();
  if (m.kind !== "code") {
    writeErr("bun runner: shell jobs are run by the driver\n");
    finish({ exitCode: 126 });
    return;
  }
  process.exitCode = undefined;
  for (const k of Object.keys(process.env)) if (!(k in baseEnv)) delete process.env[k];
  Object.assign(process.env, baseEnv, m.env || {});
  try { process.chdir(m.cwd || "/workspace"); } catch {}
  if (STATEFUL) { runScript(j, m.code); return; }
  try { fs.writeFileSync(j.file, m.code); } catch (e) {
    writeErr("bun runner: cannot stage the program: " + e + "\n");
    finish({ exitCode: 70 });
    return;
  }
  import(j.file).then(() => { j.evaluated = true; }, (e) => onUncaught(e));
  // The job ends at 'beforeExit': when its module, timers and I/O have all settled.
}

// Stateful sessions: the program runs as a script in the runner's global scope, so its declarations persist.
function runScript(j, code) {
  let js;
  try { js = transpiler.transformSync(code); } catch (e) { onUncaught(e); return; }
  let r;
  try {
    r = vm.runInThisContext(js, { filename: "[eval]" });
  } catch (e) {
    if (!(e instanceof SyntaxError) || !/await/.test(code)) { onUncaught(e); return; }
    // Top-level await: run the program as an async function body (its declarations stay local).
    try { r = vm.runInThisContext("(async () => {\n" + js + "\n})()", { filename: "[eval]" }); } catch (e2) { onUncaught(e2); return; }
  }
  if (r && typeof r.then === "function") r.then(() => {}, (e) => onUncaught(e));
}

// Globals a finished program created are removed, so the next one starts clean (unless stateful).
let baseline = null;
function resetGlobals() {
  if (STATEFUL || !baseline) return;
  for (const k of Object.getOwnPropertyNames(globalThis)) {
    if (!baseline.has(k)) { try { delete globalThis[k]; } catch {} }
  }
}

function finish(r) {
  const j = job;
  if (!j || j.done) return;
  j.done = true;
  job = null;
  rt.clearTimeout(j.deadline);
  for (const t of timers) { rt.clearTimeout(t); rt.clearInterval(t); }
  timers.clear();
  try { fs.unlinkSync(j.file); } catch {}
  resetGlobals();
  const code = r.exitCode === undefined ? null : r.exitCode;
  // A job stopped early may have left work running: start over with a fresh runner
  // ("restart" tells the driver not to send this one another job).
  // A plain session's program may not leave threads behind (a Blob-URL Worker keeps a core busy after the
  // result): a program that made a Worker gets its runner replaced before the result is reported.
  const restart = !!(r.timedOut || r.cancelled) || (!STATEFUL && workersMade > 0);
  send({ op: "done", id: j.id, exitCode: code, signal: r.signal || null, timedOut: !!r.timedOut,
         cancelled: !!r.cancelled, reason: r.reason || null, restart });
  reader.ref();
  if (restart) realExit(0);
}

function formatError(e) {
  if (e && typeof e.stack === "string") {
    const lines = e.stack.split("\n").filter((l) => !/\/opt\/codebeaker\/|node:|native/.test(l));
    return lines.join("\n").replaceAll(/\/tmp\/cb\/exec_\d+\.ts/g, "/workspace/[eval].ts") + "\n";
  }
  return "error: " + String(e) + "\n";
}

function onUncaught(e) {
  const j = job;
  if (!j || j.done) { if (!(e instanceof ExitSignal)) writeErr("bun runner: error outside a job: " + formatError(e)); return; }
  if (e instanceof ExitSignal) { finish({ exitCode: e.code }); return; }
  writeErr(formatError(e));
  finish({ exitCode: 1 });
}

process.on("uncaughtException", onUncaught);
process.on("unhandledRejection", onUncaught);
process.on("beforeExit", () => {
  if (job && !job.done) finish({ exitCode: process.exitCode || 0 });
  reader.ref();
});
// Workers made by the current job (the constructors are wrapped before any job runs; Bun's thread count is
// no guide, its pools grow lazily). A way around the wrappers still meets the driver's idle CPU watchdog.
let workersMade = 0;
{
  const counted = (W) => W && class extends W { constructor(...a) { super(...a); workersMade++; } };
  globalThis.Worker = counted(globalThis.Worker);
  try {
    const wt = require("node:worker_threads");
    Object.defineProperty(wt, "Worker", { value: counted(wt.Worker), configurable: true, writable: true });
  } catch {}
}
baseline = new Set(Object.getOwnPropertyNames(globalThis));
send({ op: "ready", pid: process.pid });
