// The install sandbox's npm wrapper (see NpmWrapperScript.swift): `node -e SCRIPT -- NODE_MODULES TOOL ARGS...`.
const fs = require('fs'), path = require('path'), cp = require('child_process');
const MARKER = '@@codebeaker-installed@@';  // NpmWrapperScript.marker
const args = process.argv.slice(2);
if (args[0] === '--') args.shift();
const root = args.shift();
function read(dir, out) {
  try {
    const st = fs.statSync(path.join(dir, 'package.json'));
    if (!st.isFile() || st.size > 1 << 20) return;
    const p = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
    if (typeof p.name === 'string' && typeof p.version === 'string') out[p.name] = p.version;
  } catch (e) {}
}
function scan(dir) {
  const out = {};
  let names = [];
  try { names = fs.readdirSync(dir); } catch (e) { return out; }
  for (const n of names.slice(0, 5000)) {
    if (n.startsWith('.')) continue;
    if (n.startsWith('@')) {
      let subs = [];
      try { subs = fs.readdirSync(path.join(dir, n)); } catch (e) {}
      for (const s of subs.slice(0, 5000)) read(path.join(dir, n, s), out);
    } else read(path.join(dir, n), out);
  }
  return out;
}
const before = scan(root);
const r = cp.spawnSync(args[0], args.slice(1), { stdio: 'inherit' });
const after = scan(root);
const got = Object.keys(after).filter(k => before[k] !== after[k]).sort().map(k => [k, after[k]]);
process.stdout.write('\n' + MARKER + ' ' + JSON.stringify(got) + '\n');
if (r.error) process.stderr.write(String(r.error) + '\n');
process.exitCode = r.status === null ? 1 : r.status;
