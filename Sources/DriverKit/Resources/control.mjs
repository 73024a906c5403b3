// The control channel's reader, shared by the node, deno and bun runners (each imports it from
// /opt/codebeaker/control.mjs). The driver sends one JSON object per line (docs/driver-protocol.md,
// "Runner protocol"); chunks arrive as strings (node's socket) or bytes (the deno and bun reader workers).

/**
 * Splits the channel into messages: `onMessage(msg)` is called for each complete line that parses as JSON;
 * a line that does not is skipped (the driver never sends one; a runner must not die of it).
 * @param {(msg: any) => void} onMessage
 * @returns {(chunk: string | Uint8Array) => void} feed one chunk read from the channel
 */
export function controlLines(onMessage) {
  const dec = new TextDecoder();
  let buf = "";
  return (chunk) => {
    buf += typeof chunk === "string" ? chunk : dec.decode(chunk, { stream: true });
    let i;
    while ((i = buf.indexOf("\n")) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      let msg;
      try { msg = JSON.parse(line); } catch { continue; }
      onMessage(msg);
    }
  };
}

/**
 * The runner side of the job messages every runner handles alike: `exec` starts a job, `cancel` of the
 * running job ends it as cancelled (killed by SIGKILL as far as the result says).
 * @param {{ start: (msg: any) => void, finish: (r: any) => void, current: () => ({ id: any } | null) }} runner
 * @param {any} msg
 * @returns {boolean} whether the message was one of them
 */
export function dispatchJob(runner, msg) {
  if (msg.op === "exec") { runner.start(msg); return true; }
  if (msg.op === "cancel") {
    const j = runner.current();
    if (j && j.id === msg.id) runner.finish({ cancelled: true, exitCode: null, signal: 9 });
    return true;
  }
  return false;
}
