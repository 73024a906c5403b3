// Browsers and Node's WebSocket report a refused upgrade only as "error", without its HTTP status. On Node
// we ask once more with a plain HTTP upgrade request to learn it (401: the token; 404: the path). Elsewhere
// the status stays unknown (null).

export async function handshakeStatus(url, headers, timeoutMs) {
  if (!globalThis.process?.versions?.node) return null;
  let u;
  try { u = new URL(url); } catch { return null; }
  const secure = u.protocol === 'wss:';
  const http = await import(secure ? 'node:https' : 'node:http');
  const key = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))));
  return new Promise((resolve) => {
    const req = http.request({
      hostname: u.hostname.replace(/^\[|\]$/g, ''), port: u.port || (secure ? 443 : 80), path: u.pathname + u.search,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': key, ...headers },
      timeout: timeoutMs,
    });
    req.on('upgrade', (_res, socket) => { socket.destroy(); resolve(101); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', () => resolve(null));
    req.on('timeout', () => { req.destroy(); resolve(null); });
    req.end();
  });
}
