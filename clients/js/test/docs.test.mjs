// The five-line example of docs/clients/javascript.md, run as written (only the URL points at the test
// server), importing the package by name from a node_modules link.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { root, startServer } from './server.mjs';

let server;
after(async () => { await server?.stop(); });

test('the five-line example runs as written', async () => {
  server = await startServer();
  const doc = readFileSync(path.join(root, 'docs/clients/javascript.md'), 'utf8');
  const block = doc.match(/## Five lines\n\n```js\n([\s\S]*?)```/)[1];
  assert.equal(block.trim().split('\n').length, 5, block);
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-js-doc-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(path.join(root, 'clients/js'), path.join(dir, 'node_modules/codebeaker'));
    writeFileSync(path.join(dir, 'example.mjs'), block.replace('ws://127.0.0.1:5039/ws/jsonrpc', server.url));
    const r = spawnSync(process.execPath, ['--experimental-websocket', '--no-warnings', 'example.mjs'],
      { cwd: dir, encoding: 'utf8', timeout: 120000 });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout, '42\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
