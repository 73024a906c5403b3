// Starts the real `codebeaker` binary (built by `swift build`) with its drivers on a free port, as
// Tests/e2e/conftest.py does, and waits until a driver is ready.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, chmodSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const buildDir = process.env.CODEBEAKER_BUILD_DIR ?? path.join(root, '.build', 'debug');

export async function startServer({ env = {}, args = [] } = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'cb-js-'));
  const ws = path.join(dir, 'ws');
  mkdirSync(ws);
  chmodSync(dir, 0o711);
  chmodSync(ws, 0o711);
  const proc = spawn(path.join(buildDir, 'codebeaker'), ['--port', '0', '--workspace-root', ws, '--drivers-dir', buildDir, ...args],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { CODEBEAKER_DOCKER_POOL: '0', ...process.env, ...env } });
  let log = '';
  proc.stderr.on('data', (d) => { log = (log + d).slice(-8000); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start:\n' + log)), 30000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (ws:\/\/[^\s]+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${log}`)); });
  });
  proc.stdout.resume();
  const port = new URL(url).port;
  const deadline = Date.now() + 30000;
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${port}/health/ready`).catch(() => null);
    if (r?.status === 200) break;
    if (Date.now() > deadline) throw new Error('no driver became ready:\n' + log);
    await new Promise((res) => setTimeout(res, 50));
  }
  return {
    url, port, proc,
    kill(signal = 'SIGKILL') { proc.kill(signal); },
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        const exited = new Promise((res) => proc.once('exit', res));
        proc.kill('SIGTERM');
        await exited;
      }
      detachMountsBelow(dir); // a killed host leaves its workspace volumes mounted
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function detachMountsBelow(dir) {
  const prefix = dir.replace(/\/$/, '') + '/';
  const points = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter(Boolean)
    .map((l) => l.split(' ')[4].replaceAll('\\040', ' ')).filter((p) => p.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
}
