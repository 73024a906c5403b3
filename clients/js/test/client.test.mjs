// The JavaScript client against a real server: code, one-off runs, stdin and env, files, limits, typed errors,
// streaming, cancel and installs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CodeBeakerClient, CommandError, InvalidParamsError, NotFoundError, RuntimeUnavailableError, RequestTimeoutError,
  CodeBeakerError,
} from '../src/index.js';
import { startServer } from './server.mjs';

let server, cb;
before(async () => {
  server = await startServer();
  cb = await CodeBeakerClient.connect(server.url);
});
after(async () => { cb?.close(); await server?.stop(); });

const COUNT = 'import time\nfor i in range(5):\n    print(i, flush=True)\n    time.sleep(0.05)';

test('runs code in a session; a failed exit is a result', () => cb.withSession('python', async (s) => {
  const r = await s.run('print(6*7)');
  assert.equal(r.success, true);
  assert.equal(r.exitCode, 0);
  assert.equal(r.stdout, '42\n');
  assert.equal(r.timedOut, false);
  assert.match(r.executionId, /^x_/);
  const bad = await s.run('import sys; sys.exit(3)');
  assert.equal(bad.success, false);
  assert.equal(bad.exitCode, 3);
  assert.match(bad.error, /3/);
}));

test('withSession closes the session', async () => {
  let id;
  await cb.withSession('python', async (s) => {
    id = s.id;
    assert.equal(s.info.language, 'python');
    assert.ok((await cb.listSessions()).some((x) => x.sessionId === id));
  });
  assert.ok(!(await cb.listSessions()).some((x) => x.sessionId === id));
});

test('one-off run with stdin and env', async () => {
  const r = await cb.run('javascript',
    "const fs=require('fs');console.log(fs.readFileSync(0,'utf8').toUpperCase(), process.env.G)",
    { stdin: 'hi', env: { G: 'hello' } });
  assert.equal(r.stdout, 'HI hello\n', JSON.stringify(r));
});

test('stateful session keeps variables; stdin in a session', () => cb.withSession('python', async (s) => {
  assert.ok((await s.run('x = 10')).success);
  assert.equal((await s.run('print(x * 2)')).stdout, '20\n');
  assert.equal((await s.run('import sys; print(sys.stdin.read()[::-1])', { stdin: 'abc' })).stdout, 'cba\n');
}, { stateful: true }));

test('files: text, bytes, list, copy, delete; a missing file throws CommandError', () => cb.withSession('python', async (s) => {
  assert.equal(await s.writeFile('a.txt', 'hello '), 6);
  await s.writeFile('a.txt', 'world', { append: true });
  assert.equal(await s.readFile('/workspace/a.txt'), 'hello world');
  const blob = Uint8Array.from({ length: 256 }, (_, i) => i);
  await s.writeFile('b.bin', blob);
  assert.deepEqual(await s.readBytes('b.bin'), blob);
  await s.copyFile('a.txt', 'c.txt');
  assert.deepEqual((await s.listFiles()).map((e) => [e.name, e.type, e.size]),
    [['a.txt', 'file', 11], ['b.bin', 'file', 256], ['c.txt', 'file', 11]]);
  await s.deleteFile('c.txt');
  await assert.rejects(s.readFile('c.txt'), CommandError);
  await assert.rejects(s.readFile('/etc/passwd'), CommandError);
  assert.equal((await s.shell('cat', ['a.txt'])).stdout, 'hello world');
}));

test('timeout and truncation flags', () => cb.withSession('python', async (s) => {
  const t = await s.run('while True: pass', { timeout: 2 });
  assert.equal(t.success, false);
  assert.equal(t.timedOut, true);
  assert.match(t.error, /timed out/);
  const big = await s.run("import sys\nsys.stdout.write('x' * 3_000_000)\nprint('tail', file=sys.stderr)");
  assert.ok(big.truncated && big.stdoutTruncated && !big.stderrTruncated);
  assert.equal(big.stderr, 'tail\n');
}));

test('JSON-RPC errors are typed', async () => {
  const nf = await cb.session('s_' + '0'.repeat(32)).run('print(1)').catch((e) => e);
  assert.ok(nf instanceof NotFoundError && nf.code === -32001, String(nf));
  const ru = await cb.createSession('klingon').catch((e) => e);
  assert.ok(ru instanceof RuntimeUnavailableError && /python/.test(ru.message), String(ru));
  const ip = await cb.createSession('python', { memoryLimitMB: 1 }).catch((e) => e);
  assert.ok(ip instanceof InvalidParamsError && ip instanceof CodeBeakerError, String(ip));
  assert.equal(ip.data.field, 'memoryLimitMB');
});

test('initialize and languages', async () => {
  const info = await cb.initialize();
  assert.equal(info.name, 'codebeaker');
  const names = (await cb.languages()).map((l) => l.name);
  assert.ok(names.includes('python') && names.includes('javascript'), names.join());
});

test('a request timeout rejects instead of hanging', () => cb.withSession('python', async (s) => {
  await assert.rejects(cb.call('session.execute', { sessionId: s.id, command: { type: 'execute_code', code: 'import time; time.sleep(30)' } },
    { timeoutMs: 500 }), RequestTimeoutError);
}));

test('output callback gets ordered chunks before the result', () => cb.withSession('python', async (s) => {
  const chunks = [];
  const r = await s.run(COUNT, { onOutput: (e) => chunks.push(e) });
  assert.deepEqual(chunks.map((c) => c.seq), chunks.map((_, i) => i));
  assert.equal(chunks.filter((c) => c.stream === 'stdout').map((c) => c.data).join(''), '0\n1\n2\n3\n4\n');
  assert.equal(r.stdout, '0\n1\n2\n3\n4\n');
}));

test('async iteration over a started execution and a one-off run', async () => {
  await cb.withSession('python', async (s) => {
    const ex = await s.start(COUNT);
    const data = [];
    for await (const e of ex) data.push(e.data);
    assert.equal(data.join(''), (await ex.result()).stdout);
  });
  const ex = await cb.startRun('javascript', "console.log('a'); console.error('b')");
  const seen = [];
  for await (const e of ex) seen.push(`${e.stream}:${e.data}`);
  assert.deepEqual(seen.sort(), ['stderr:b\n', 'stdout:a\n']);
  assert.ok((await ex.result()).success);
});

test('cancel stops a running execution; a late cancel is harmless', () => cb.withSession('python', async (s) => {
  const ex = await s.start("print('started', flush=True)\nimport time\ntime.sleep(60)");
  const first = await ex[Symbol.asyncIterator]().next();
  assert.equal(first.value.data, 'started\n');
  assert.equal(await ex.cancel(), true);
  const r = await ex.result();
  assert.equal(r.cancelled, true);
  assert.equal(r.error, 'cancelled');
  assert.equal(await ex.cancel(), false);
  assert.equal((await s.run('print(1)')).stdout, '1\n');
  const quick = await s.start('import time\ntime.sleep(60)');
  assert.equal(await quick.cancel(), true);
  assert.equal((await quick.result()).cancelled, true);
}));

test('install a local wheel built offline, with progress', () => cb.withSession('python', async (s) => {
  await s.writeFile('src/cbtiny/__init__.py', "GREETING = 'hello from cbtiny'\n");
  await s.writeFile('src/setup.py', "from setuptools import setup\nsetup(name='cbtiny', version='0.1', packages=['cbtiny'])\n");
  const w = await s.shell('python3', ['-m', 'pip', 'wheel', '--no-deps', '--no-build-isolation', '--no-index',
    '-w', '/workspace/wheels', '/workspace/src'], { timeout: 120 });
  assert.ok(w.success, JSON.stringify(w));
  const progress = [];
  const r = await s.install(['./wheels/cbtiny-0.1-py3-none-any.whl'], { onProgress: (e) => progress.push(e.message) });
  assert.ok(r.success, JSON.stringify(r));
  assert.deepEqual(r.installed.filter((p) => p.name === 'cbtiny'), [{ name: 'cbtiny', version: '0.1' }]);
  assert.ok(progress.some((m) => m.includes('cbtiny')), progress.join('|'));
  assert.equal((await s.run('import cbtiny; print(cbtiny.GREETING)')).stdout, 'hello from cbtiny\n');
}, { runtimeType: 'Python' }));

test('a notification listener sees every notification', async () => {
  const seen = [];
  const remove = cb.onNotification((method) => seen.push(method));
  await cb.run('python', 'print(1)');
  remove();
  assert.deepEqual(seen, ['session.output']);
});
