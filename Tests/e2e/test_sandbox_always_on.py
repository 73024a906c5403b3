"""`enableSandbox` is accepted and ignored (docs/security.md): a server configured with `enableSandbox: false`,
and a session asking for it, still run every execution in the sandbox: not root, and the host's files out of
sight."""
import json
import os

from attacks_util import RUNTIMES, require, run_code


def test_enable_sandbox_false_still_runs_sandboxed(start_server, tmp_path):
    secret = tmp_path / "host-only.txt"
    secret.write_text("HOSTSECRET")
    os.chmod(tmp_path, 0o755)
    cfg = tmp_path / "config.json"
    cfg.write_text(json.dumps({"security": {"enableSandbox": False}}))
    srv = start_server("--config", str(cfg))
    python = RUNTIMES[0]
    require(srv, python)
    c = srv.client()
    try:
        sid = c.session("python", security={"enableSandbox": False})
        code = ("import os\nprint(os.getuid(), os.path.exists(%r), os.path.exists('/workspace'))" % str(secret))
        r = run_code(c, sid, code, timeout=20)
        assert r["success"], r
        uid, sees_host_file, has_workspace = r["result"]["stdout"].split()
        assert uid != "0" and sees_host_file == "False" and has_workspace == "True", r["result"]
    finally:
        c.close()
