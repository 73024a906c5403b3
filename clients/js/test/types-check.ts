// Compiled by `deno check` (test/types.test.mjs): the declarations in src/index.d.ts describe the API as used.
// @ts-types="../src/index.d.ts"
import { CodeBeakerClient, AuthenticationError, type RunResult, type ExecutionEvent } from '../src/index.js';

export async function example(url: string): Promise<string> {
  const cb = await CodeBeakerClient.connect(url, { token: 't', auth: 'subprotocol', requestTimeoutMs: 5000 });
  try {
    const s = await cb.createSession('python', { stateful: true });
    const r: RunResult = await s.run('print(1)', { stdin: 'x', timeout: 5, onOutput: (e) => console.log(e.stream, e.data) });
    const ex = await s.start('print(2)');
    for await (const e of ex) {
      const ev: ExecutionEvent = e;
      if (ev.type === 'output') console.log(ev.seq, ev.data);
      else console.log(ev.message);
    }
    const files = await s.listFiles('/workspace', { recursive: true });
    const bytes: Uint8Array = await s.readBytes(files[0].path);
    await s.writeFile('b.bin', bytes);
    const installed = (await s.install(['six'], { onProgress: (p) => console.log(p.message) })).installed;
    await s.close();
    return r.stdout + (await ex.result()).exitCode + installed.length + String(await ex.cancel());
  } catch (e) {
    if (e instanceof AuthenticationError) return `status ${e.status} code ${e.code}`;
    throw e;
  } finally {
    cb.close();
  }
}
