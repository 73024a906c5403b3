// Transport end-to-end with Node 20's built-in WebSocket: `node --experimental-websocket --test Tests/e2e/node/`.
// Starts the real `codebeaker` binary on a free port (no drivers needed).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const buildDir = process.env.CODEBEAKER_BUILD_DIR ?? path.join(root, '.build', 'debug');
let server, url, port, workDir;

before(async () => {
  workDir = mkdtempSync(path.join(tmpdir(), 'cb-node-'));
  server = spawn(path.join(buildDir, 'codebeaker'),
    ['--port', '0', '--workspace-root', workDir, '--drivers-dir', buildDir],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.resume();
  url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start')), 30000);
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (ws:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    server.on('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  port = new URL(url).port;
});

after(async () => {
  // Wait for the host's own shutdown: it unmounts the workspace volumes of its pooled sandboxes, and
  // removing the directory before that fails with EBUSY.
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  rmSync(workDir, { recursive: true, force: true });
});

/** Opens a socket and resolves once it is open; messages are queued for `next`. */
function open() {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const queue = [], waiters = [];
    ws.onmessage = (e) => { const w = waiters.shift(); if (w) w(e.data); else queue.push(e.data); };
    ws.next = () => new Promise((res) => { if (queue.length) res(queue.shift()); else waiters.push(res); });
    ws.onopen = () => resolve(ws);
    ws.onerror = (e) => reject(new Error('websocket error: ' + e.message));
  });
}

test('handshake completes and initialize answers with server info', async () => {
  const ws = await open();
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: {} }));
  const reply = JSON.parse(await ws.next());
  assert.equal(reply.jsonrpc, '2.0');
  assert.equal(reply.id, 1);
  assert.equal(reply.result.name, 'codebeaker');
  assert.ok(reply.result.capabilities);
  ws.close(1000);
});

test('a batch gets one array reply with every id', async () => {
  const ws = await open();
  ws.send(JSON.stringify([
    { jsonrpc: '2.0', id: 'a', method: 'initialize' },
    { jsonrpc: '2.0', id: 2, method: 'language.list' },
    { jsonrpc: '2.0', method: 'initialize' },
    { jsonrpc: '2.0', id: 3, method: 'no.such.method' },
  ]));
  const replies = JSON.parse(await ws.next());
  assert.ok(Array.isArray(replies));
  assert.deepEqual(replies.map((r) => r.id).sort(), [2, 3, 'a'].sort());
  assert.equal(replies.find((r) => r.id === 3).error.code, -32601);
  ws.close(1000);
});

test('a large message round-trips intact', async () => {
  const ws = await open();
  const big = 'x'.repeat(1 << 20);
  ws.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'initialize', params: { pad: big } }));
  const reply = JSON.parse(await ws.next());
  assert.equal(reply.id, 5);
  ws.close(1000);
});

test('the close handshake reports the client code', async () => {
  const ws = await open();
  const closed = new Promise((res) => { ws.onclose = (e) => res(e); });
  ws.close(4001, 'bye');
  const e = await closed;
  assert.equal(e.code, 4001);
  assert.equal(e.wasClean, true);
});

test('plain HTTP routes work next to the WebSocket endpoint', async () => {
  const live = await fetch(`http://127.0.0.1:${port}/health/live`);
  assert.equal(live.status, 200);
  const missing = await fetch(`http://127.0.0.1:${port}/nope`);
  assert.equal(missing.status, 404);
});

/** Resolves 'open' or 'error', whichever the socket reports first. */
function outcome(options) {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, options);
    ws.onopen = () => { ws.close(1000); resolve('open'); };
    ws.onerror = () => resolve('error');
  });
}

test('a browser-like Origin from another site is refused; a loopback page and no Origin are accepted', async () => {
  // Node's WebSocket sends no Origin by default (like any non-browser client); a browser always sends one.
  assert.equal(await outcome({ headers: { Origin: 'http://evil.example' } }), 'error');
  assert.equal(await outcome({ headers: { Origin: 'http://localhost:5173' } }), 'open');
  assert.equal(await outcome(undefined), 'open');
});

test('a plain GET to the WebSocket path is 426 Upgrade Required', async () => {
  const r = await fetch(`http://127.0.0.1:${port}/ws/jsonrpc`);
  assert.equal(r.status, 426);
  assert.equal(r.headers.get('upgrade'), 'websocket');
});
