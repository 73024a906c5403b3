const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
const buf = Buffer.alloc(1 << 16);
while (true) {
  let n = 0;
  try { n = fs.readSync(7, buf, 0, buf.length, null); } catch (e) { if (e.code === "EAGAIN") continue; n = 0; }
  if (n <= 0) { parentPort.postMessage(null); break; }
  parentPort.postMessage(new Uint8Array(buf.subarray(0, n)));
}
