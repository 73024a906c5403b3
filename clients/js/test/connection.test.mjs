// Connections: reconnection that keeps the session, tokens, wrong URLs and a server that goes away.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CodeBeakerClient, AuthenticationError, ConnectError, ConnectionLostError, RateLimitError, RejectedError,
  SessionHostUnavailableError,
} from '../src/index.js';
import { startServer } from './server.mjs';

const TOKEN = 'tok-' + crypto.randomUUID().replaceAll('-', '');
let server, tokenServer;
before(async () => {
  [server, tokenServer] = await Promise.all([startServer(), startServer({ env: { CODEBEAKER_TOKENS: `alice:${TOKEN}` } })]);
});
after(async () => { await Promise.all([server?.stop(), tokenServer?.stop()]); });

test('reconnect keeps the session', async () => {
  const cb = await CodeBeakerClient.connect(server.url);
  const s = await cb.createSession('python');
  await s.writeFile('keep.txt', 'still here');
  assert.equal(cb.connections, 1);
  cb.dropConnection();
  assert.equal(await s.readFile('keep.txt'), 'still here'); // the next call reconnected
  assert.equal((await s.run("print(open('keep.txt').read())")).stdout, 'still here\n');
  assert.equal(cb.connections, 2);
  await s.close();
  cb.close();
});

test('a session outlives its client', async () => {
  const a = await CodeBeakerClient.connect(server.url);
  const { id } = await a.createSession('python');
  await a.session(id).writeFile('x.txt', 'from a');
  a.close();
  const b = await CodeBeakerClient.connect(server.url);
  assert.equal(await b.session(id).readFile('x.txt'), 'from a');
  await b.closeSession(id);
  b.close();
});

test('an execution in flight when the connection drops rejects with ConnectionLostError', async () => {
  const cb = await CodeBeakerClient.connect(server.url);
  const s = await cb.createSession('python');
  const ex = await s.start("print('go', flush=True)\nimport time\ntime.sleep(60)");
  assert.equal((await ex[Symbol.asyncIterator]().next()).value.data, 'go\n');
  cb.dropConnection();
  await assert.rejects(ex.result(), ConnectionLostError);
  assert.equal((await s.run('print(2)')).stdout, '2\n');
  await s.close();
  cb.close();
});

for (const auth of ['subprotocol', 'header']) {
  test(`token auth (${auth})`, async () => {
    const cb = await CodeBeakerClient.connect(tokenServer.url, { token: TOKEN, auth });
    assert.equal((await cb.run('python', 'print(1)')).stdout, '1\n');
    cb.close();
  });
}

for (const token of [undefined, 'wrong']) {
  test(`a ${token ? 'refused' : 'missing'} token rejects with AuthenticationError`, async () => {
    const e = await CodeBeakerClient.connect(tokenServer.url, { token }).catch((err) => err);
    assert.ok(e instanceof AuthenticationError, String(e));
    assert.equal(e.status, 401);
    assert.ok(!String(e).includes(TOKEN));
  });
}

function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, '127.0.0.1', () => { const { port } = srv.address(); srv.close(() => resolve(port)); });
  });
}

test('a wrong URL rejects with ConnectError', async () => {
  const nobody = await CodeBeakerClient.connect(`ws://127.0.0.1:${await freePort()}/ws/jsonrpc`).catch((e) => e);
  assert.ok(nobody instanceof ConnectError && !(nobody instanceof AuthenticationError), String(nobody));
  const path = await CodeBeakerClient.connect(`ws://127.0.0.1:${server.port}/nope`).catch((e) => e);
  assert.ok(path instanceof ConnectError, String(path));
  assert.equal(path.status, 404);
  const notUrl = await CodeBeakerClient.connect('http//127.0.0.1').catch((e) => e);
  assert.ok(notUrl instanceof ConnectError, String(notUrl));
});

test('a server killed mid-run: ConnectionLostError, then ConnectError on the next call', async () => {
  const own = await startServer();
  try {
    const cb = await CodeBeakerClient.connect(own.url);
    const s = await cb.createSession('python');
    const ex = await s.start("print('go', flush=True)\nimport time\ntime.sleep(60)");
    assert.equal((await ex[Symbol.asyncIterator]().next()).value.data, 'go\n');
    own.kill('SIGKILL');
    await assert.rejects(ex.result(), ConnectionLostError);
    await assert.rejects(s.run('print(1)'), ConnectError);
    cb.close();
  } finally {
    await own.stop();
  }
});

test('with reconnect off a dropped connection rejects with ConnectionLostError', async () => {
  const cb = await CodeBeakerClient.connect(server.url, { reconnect: false });
  cb.dropConnection();
  await assert.rejects(cb.listSessions(), ConnectionLostError);
  cb.close();
});

test('limits reject with RateLimitError and RejectedError', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-js-cfg-'));
  const config = path.join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ security: { maxSessionsPerPrincipal: 1, maxCodeLength: 100 } }));
  const own = await startServer({ args: ['--config', config] });
  try {
    const cb = await CodeBeakerClient.connect(own.url);
    await cb.withSession('python', async (s) => {
      const rl = await cb.createSession('python').catch((e) => e);
      assert.ok(rl instanceof RateLimitError && rl.code === -32029, String(rl));
      assert.equal(rl.data.rule, 'maxSessionsPerPrincipal');
      assert.equal(rl.retryAfterMs, null);
      const rj = await s.run('print(1)  # ' + 'x'.repeat(200)).catch((e) => e);
      assert.ok(rj instanceof RejectedError && rj.code === -32011, String(rj));
    });
    cb.close();
  } finally {
    await own.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a frozen server (SIGSTOP) mid-run: ConnectionLostError from the heartbeat, not a hang', async () => {
  const own = await startServer();
  try {
    const cb = await CodeBeakerClient.connect(own.url, { heartbeatMs: 1000, connectTimeoutMs: 2000 });
    const s = await cb.createSession('python');
    const ex = await s.start("print('go', flush=True)\nimport time\ntime.sleep(60)");
    assert.equal((await ex[Symbol.asyncIterator]().next()).value.data, 'go\n');
    own.kill('SIGSTOP');
    await assert.rejects(ex.result(), ConnectionLostError);
    await assert.rejects(s.run('print(1)'), ConnectError); // reconnecting: no handshake within connectTimeoutMs
    cb.close();
  } finally {
    own.kill('SIGCONT');
    await own.stop();
  }
});

test('several hosts: reconnects go to the endpoint, a dead host is SessionHostUnavailableError', async () => {
  const port = await new Promise((res) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => res(p)); }); });
  const own = await startServer({ args: ['--port', String(port), '--host-id', 'h9', '--public-url', `ws://127.0.0.1:${port}/ws/jsonrpc`] });
  try {
    const cb = await CodeBeakerClient.connect(`ws://127.0.0.1:${port}/ws/jsonrpc?client=test`);
    const s = await cb.createSession('python');
    assert.ok(s.id.startsWith('s_h9_'));
    assert.equal(cb.endpoint, `ws://127.0.0.1:${port}/ws/jsonrpc?host=h9`);
    assert.equal(cb.route, 'h9');
    cb.dropConnection();
    assert.equal((await s.run('print(6*7)')).stdout, '42\n');
    own.kill('SIGKILL');
    await new Promise((res) => own.proc.once('exit', res));
    // The kernel closed the host's sockets: wait for the client to see it, so the next call must reconnect.
    for (const deadline = Date.now() + 30000; cb.connected && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    assert.equal(cb.connected, false);
    const err = await s.run('print(1)').catch((e) => e);
    assert.ok(err instanceof SessionHostUnavailableError, String(err));
    assert.ok(err instanceof ConnectError);
    assert.equal(err.route, 'h9');
    assert.match(err.message, /session's host is unavailable/);
    cb.close();
  } finally {
    await own.stop();
  }
});
