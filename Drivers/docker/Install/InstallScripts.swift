/// The wrappers that run inside the short-lived install container (written there by cb-runner as the session
/// uid). They start the installer as a child and print, after a marker, what it installed, so the answer can
/// list `installed` like the native drivers' (docs/packages.md). Package names reach them only as argv.
enum DockerInstallScripts {
    /// Also spelled out in both scripts below.
    static let marker = "@@codebeaker-installed@@"
    static let pipPath = "/tmp/cb_pip_install.py"
    static let npmPath = "/tmp/cb_npm_install.js"

    /// `python3 -I cb_pip_install.py VENV PIP-ARGS...`: creates the venv on first use (system site packages:
    /// Debian's pip serves it, no ensurepip), then runs pip with the venv's interpreter so it installs there.
    static let pip = #"""
import json, os, subprocess, sys, venv

VENV = sys.argv[1]
REPORT = "/tmp/cb-pip-report.json"
if not os.path.exists(os.path.join(VENV, "pyvenv.cfg")):
    venv.EnvBuilder(system_site_packages=True, with_pip=False, symlinks=True).create(VENV)
    for name in ("pip", "pip3"):
        path = os.path.join(VENV, "bin", name)
        with open(path, "w") as f:
            f.write("#!%s/bin/python3\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n" % VENV)
        os.chmod(path, 0o755)
    print("created virtualenv %s" % VENV, flush=True)
args = sys.argv[2:]
i = args.index("--") if "--" in args else len(args)
cmd = [os.path.join(VENV, "bin", "python3"), "-m", "pip"] + args[:i] + ["--report", REPORT] + args[i:]
env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp", "PIP_CONFIG_FILE": "/dev/null",
       "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PYTHONUNBUFFERED": "1"}
env.update({k: v for k, v in os.environ.items() if k in ("PIP_CERT", "SSL_CERT_FILE")})
code = subprocess.call(cmd, env=env)
installed = []
try:
    with open(REPORT) as f:
        for item in json.load(f).get("install", []):
            meta = item.get("metadata", {})
            installed.append([meta.get("name", "?"), meta.get("version", "?")])
except Exception:
    pass
print("\n@@codebeaker-installed@@" + json.dumps(installed), flush=True)
sys.exit(code)
"""#

    /// `node cb_npm_install.js ROOT NPM-ARGS...`: npm as a child; the marker line lists the
    /// `ROOT/<name>/package.json` files that appeared or changed version.
    static let npm = #"""
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
"""#
}
