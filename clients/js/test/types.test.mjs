// The type declarations compile against real use: `deno check` (Deno is a test tool here, see scripts/lint.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dir = path.dirname(fileURLToPath(import.meta.url));

test('src/index.d.ts type-checks a TypeScript program that uses the client', () => {
  const r = spawnSync('deno', ['check', '--quiet', path.join(dir, 'types-check.ts')],
    { encoding: 'utf8', env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' } });
  assert.equal(r.error, undefined, 'deno not found (scripts/setup.sh installs it)');
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
