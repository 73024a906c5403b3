// Typed results from the server's JSON. Field names are the API's (camelCase); `raw` keeps the whole answer.

function runResult(r, success, error, durationMs, executionId, raw) {
  r = r ?? {};
  return {
    success: Boolean(success),
    exitCode: r.exitCode ?? null,
    stdout: r.stdout ?? '',
    stderr: r.stderr ?? '',
    durationMs: r.durationMs ?? durationMs ?? 0,
    signal: r.signal ?? null,
    timedOut: Boolean(r.timedOut),
    cancelled: Boolean(r.cancelled),
    truncated: Boolean(r.truncated),
    stdoutTruncated: Boolean(r.stdoutTruncated),
    stderrTruncated: Boolean(r.stderrTruncated),
    reason: r.reason ?? null,
    error: error ?? null,
    executionId: executionId ?? null,
    installed: r.installed ?? [],
    raw,
  };
}

/** From session.execute's `{success, result, error, durationMs, executionId}`. */
export const fromExecute = (resp) =>
  runResult(resp.result, resp.success, resp.error, resp.durationMs, resp.executionId, resp);

/** From execution.run's flat result. */
export const fromExecutionRun = (resp) =>
  runResult(resp, resp.success, resp.error, resp.durationMs, resp.executionId, resp);

/** An event from a session.output or session.progress notification, or null for other methods. */
export function eventFrom(method, p) {
  if (method === 'session.output') {
    return { type: 'output', stream: p.stream, data: p.data, seq: p.seq, requestId: p.requestId, sessionId: p.sessionId };
  }
  if (method === 'session.progress') {
    return { type: 'progress', message: p.message, requestId: p.requestId, sessionId: p.sessionId };
  }
  return null;
}

// Base64 without Buffer, so it works in browsers too.
export function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

export function fromBase64(text) {
  const s = atob(text);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
