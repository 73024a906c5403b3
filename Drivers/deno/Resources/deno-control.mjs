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
