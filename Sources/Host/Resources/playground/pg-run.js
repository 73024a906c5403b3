// Runs: one-shot (`execution.run`, a fresh session closed afterwards) or in the page's open session
// (`stateful`, so variables and files persist). Output streams into the view as it arrives; the result line
// shows the exit code, duration and any timeout, cancel or truncation flags.

/** Starts `code`; returns the SDK's Execution. */
export function startRun({ client, session, language, code, stdin, timeout, onOutput }) {
  const options = { onOutput };
  if (stdin) options.stdin = stdin;
  if (timeout > 0) options.timeout = timeout;
  if (session) return session.start(code, options);
  return client.startRun(language, code, options);
}

/** The result line's parts: [text, isFlag]. */
export function resultParts(r) {
  const parts = [];
  if (r.exitCode !== null) parts.push([`exit ${r.exitCode}`, r.exitCode !== 0]);
  if (r.signal) parts.push([`signal ${r.signal}`, true]);
  parts.push([`${Math.round(r.durationMs)} ms`, false]);
  if (r.timedOut) parts.push(['timed out', true]);
  if (r.cancelled) parts.push(['cancelled', true]);
  if (r.stdoutTruncated || r.stderrTruncated || r.truncated) {
    const which = [r.stdoutTruncated && 'stdout', r.stderrTruncated && 'stderr'].filter(Boolean).join(', ');
    parts.push([`output truncated by the server${which ? ` (${which})` : ''}`, true]);
  }
  if (r.error && !r.timedOut && !r.cancelled) parts.push([`error: ${r.error}`, true]);
  return parts;
}

/** Writes the result line into `target` (spans, text only). */
export function showResult(target, r) {
  const nodes = [];
  for (const [text, flag] of resultParts(r)) {
    if (nodes.length) nodes.push(' · ');
    const span = document.createElement('span');
    if (flag) span.className = 'flag';
    span.textContent = text;
    nodes.push(span);
  }
  target.replaceChildren(...nodes);
}

/** Installs `packages` in `session`, streaming progress and output lines into `log`. */
export async function install(session, packages, log) {
  const line = (text) => {
    if (log.childNodes.length > 2000) log.firstChild.remove();
    const div = document.createElement('div');
    div.textContent = text;
    log.append(div);
    log.scrollTop = log.scrollHeight;
  };
  line(`Installing ${packages.join(' ')}…`);
  const ex = await session.startInstall(packages, {
    onProgress: (e) => line(e.message),
    onOutput: (e) => { for (const l of e.data.split('\n')) if (l.trim()) line(l); },
  });
  const r = await ex.result();
  if (r.success) line(`Installed: ${r.installed.map((p) => `${p.name} ${p.version}`).join(', ') || 'nothing new'}`);
  else line(`Install failed: ${r.error ?? r.stderr ?? 'unknown error'}`);
  return r;
}
