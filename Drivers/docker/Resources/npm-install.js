const fs = require("fs"), path = require("path"), { spawnSync } = require("child_process");
const root = process.argv[2];
function snapshot() {
  const out = {};
  let names = [];
  try { names = fs.readdirSync(root); } catch (e) { return out; }
  for (const n of names) {
    const dirs = n.startsWith("@") ? (() => { try { return fs.readdirSync(path.join(root, n)).map(s => n + "/" + s); } catch (e) { return []; } })() : [n];
    for (const d of dirs) {
      try { out[d] = JSON.parse(fs.readFileSync(path.join(root, d, "package.json"), "utf8")).version || "?"; } catch (e) {}
    }
  }
  return out;
}
const before = snapshot();
const r = spawnSync(process.execPath, process.argv.slice(3), { stdio: "inherit", cwd: "/workspace",
  env: { PATH: "/usr/local/bin:/usr/bin:/bin", HOME: "/tmp", npm_config_cache: "/tmp/npm-cache",
         npm_config_userconfig: "/tmp/.cb-npmrc-user", npm_config_globalconfig: "/tmp/.cb-npmrc-global", DO_NOT_TRACK: "1",
         ...(process.env.NODE_EXTRA_CA_CERTS ? { npm_config_cafile: process.env.NODE_EXTRA_CA_CERTS } : {}) } });
const after = snapshot();
const installed = Object.keys(after).filter(k => before[k] !== after[k]).sort().map(k => [k, after[k]]);
process.stdout.write("\n@@codebeaker-installed@@" + JSON.stringify(installed) + "\n");
process.exitCode = r.status === null ? 1 : r.status;
