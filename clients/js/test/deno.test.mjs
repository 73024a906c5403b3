// The client outside Node: Deno's standard WebSocket (as in browsers), importing src/index.js as is.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { root, startServer } from './server.mjs';

let server;
after(async () => { await server?.stop(); });

test('runs code under Deno with its built-in WebSocket', async () => {
  server = await startServer();
  const index = pathToFileURL(path.join(root, 'clients/js/src/index.js')).href;
  const program = `
    import { CodeBeakerClient, NotFoundError } from ${JSON.stringify(index)};
    const cb = await CodeBeakerClient.connect(${JSON.stringify(server.url)});
    const chunks = [];
    const r = await cb.withSession('python', (s) => s.run('print(6*7)', { onOutput: (e) => chunks.push(e.data) }));
    const missing = await cb.session('s_' + '0'.repeat(32)).readFile('x').catch((e) => e instanceof NotFoundError);
    console.log(JSON.stringify([r.stdout, chunks.join(''), missing]));
    cb.close();`;
  const r = spawnSync('deno', ['eval', '--ext=js', program],
    { encoding: 'utf8', timeout: 120000, env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
  assert.equal(r.error, undefined, 'deno not found (scripts/setup.sh installs it)');
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout), ['42\n', '42\n', true]);
});
