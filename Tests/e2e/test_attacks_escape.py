"""Escape attempts: network, host secrets, writes outside the workspace, symlinks, path tricks, kill -1, setuid.
Code-based cases run on every installed runtime; file-command cases (done by the host on the workspace) run in a
python session. Host-side markers prove nothing leaked: the server runs as root, so a followed link would work."""
import json
import os
import pathlib
import shutil
import sys
import tempfile

import pytest

from attacks_util import server_env, RUNTIMES, assert_contained, record, require, run_code, shell

TOKEN = "alice-secret-token-" + os.urandom(8).hex()
SAUCE = "sauce-" + os.urandom(8).hex()


@pytest.fixture(scope="module")
def srv():
    from conftest import Server
    # Started as an operator would: with tokens, under a service's own session keyring (systemd KeyringMode=private).
    launcher = [sys.executable, str(pathlib.Path(__file__).parent / "probes" / "operator_launch.py")]
    s = Server(env=server_env(CODEBEAKER_TOKENS=f"alice:{TOKEN}", SECRET_SAUCE=SAUCE), launcher=launcher)
    s.client = lambda **kw: __import__("cbclient").Client(s.url, headers={"Authorization": f"Bearer {TOKEN}"}, **kw)
    yield s
    s.stop()


def sh_out(c, sid, script, timeout=20):
    r = shell(c, sid, script, timeout=timeout)
    assert "result" in r, r
    return r["result"]["result"]["stdout"] + r["result"]["result"]["stderr"]


# ---- network ----

def test_network_egress_is_blocked(srv, rt, att):
    c, sid, by = att
    # bash's /dev/tcp works in every runtime's sandbox; each line ends "open" only if a connection succeeded.
    targets = [("127.0.0.1", srv.port), ("1.1.1.1", 53), ("8.8.8.8", 443), ("10.0.2.2", 22), ("::1", srv.port)]
    script = "; ".join(f"(timeout 3 bash -c 'echo x > /dev/tcp/{h}/{p}' 2>/dev/null && echo '{h}:{p} open' || echo '{h}:{p} closed')"
                       for h, p in targets)
    script += "; getent hosts example.com >/dev/null && echo 'dns open' || echo 'dns closed'"
    script += "; ls /sys/class/net 2>/dev/null | tr '\\n' ' '; echo"
    out = sh_out(c, sid, script)
    assert "open" not in out.replace("closed", ""), out
    assert out.count("closed") == len(targets) + 1, out
    assert_contained(srv, c, sid, rt, by)
    record("network egress (server port on 127.0.0.1, internet, DNS)", rt.name, "contained: no network (only a down lo)")


# ---- host secrets ----

def test_host_secrets_and_env_are_invisible(srv, rt, att):
    c, sid, by = att
    # Patterns use [x] so grep's own command line (in /proc) does not match itself.
    tok, sauce = TOKEN[:-1] + f"[{TOKEN[-1]}]", SAUCE[:-1] + f"[{SAUCE[-1]}]"
    script = f"""
for p in /etc/shadow /root /proc/1/environ /home /var/lib/codebeaker; do
  if [ -d $p ]; then ls $p >/dev/null 2>&1 && echo "$p listable" || echo "$p denied"
  else cat $p >/dev/null 2>&1 && echo "$p readable" || echo "$p denied"; fi
done
cat /proc/[0-9]*/environ /proc/[0-9]*/cmdline 2>/dev/null | tr '\\0' '\\n' | grep -c -e '{tok}' -e '{sauce}' -e '[C]ODEBEAKER_TOKENS' -e '[S]ECRET_SAUCE'
grep -rIl -e '{tok}' -e '{sauce}' / --exclude-dir=proc --exclude-dir=sys --exclude-dir=usr 2>/dev/null | head
echo scanned
"""
    out = sh_out(c, sid, script, timeout=60)
    assert "scanned" in out and "/etc/shadow readable" not in out and "/root listable" not in out, out
    assert TOKEN not in out and SAUCE not in out
    lines = out.splitlines()
    assert lines[lines.index("scanned") - 1] == "0" or lines[-2] == "0", out  # no environ/cmdline matched
    env_code = {"py": "import os, json\nprint(json.dumps(dict(os.environ)))",
                "js": "try { console.log(JSON.stringify(process.env)); } catch (e) { console.log(JSON.stringify({})); }"}[rt.flavor]
    r = run_code(c, sid, env_code)
    assert r["success"], r  # deno without --allow-env throws, and prints {}
    env = json.loads(r["result"]["stdout"])
    assert not [k for k, v in env.items() if TOKEN in v or SAUCE in v or k in ("CODEBEAKER_TOKENS", "SECRET_SAUCE")], env
    assert_contained(srv, c, sid, rt, by)
    record("read /etc/shadow, /root, /proc/1/environ, host env (token, SECRET_SAUCE)", rt.name,
           "contained: absent from the sandbox (clean env, no /root, no shadow)")


def test_writing_outside_the_workspace_fails(srv, rt, att):
    c, sid, by = att
    mark = "cbmark-" + os.urandom(4).hex()
    targets = [f"/{mark}", f"/usr/{mark}", f"/etc/{mark}", f"/opt/codebeaker/{mark}", f"/var/{mark}"]
    script = "; ".join(f"(echo x > {t}) 2>/dev/null && echo '{t} written' || echo '{t} denied'" for t in targets)
    script += f"; echo x > /tmp/{mark} && echo private-tmp-ok; (echo x > /dev/{mark}) 2>/dev/null; true"
    out = sh_out(c, sid, script)
    leaked = [t for t in targets + [f"/tmp/{mark}", f"/dev/{mark}"] if os.path.exists(t)]
    for t in leaked:
        os.unlink(t)
    assert not leaked, f"files appeared on the host: {leaked}"
    assert "written" not in out and "private-tmp-ok" in out, out
    assert_contained(srv, c, sid, rt, by)
    record("write outside /workspace (/, /usr, /etc, runner dir)", rt.name, "contained: read-only root; /tmp and /dev are private tmpfs")


# ---- kill -1, setuid ----

KILL_ALL = {"py": "import os, signal\nos.kill(-1, signal.SIGKILL)\nprint('survived')",
            "js": "process.kill(-1, 'SIGKILL'); console.log('survived');"}


def driver_restarts(srv, driver):
    _, body = srv.http("/metrics")
    prefix = f'codebeaker_driver_restarts_total{{driver="{driver}"}} '
    return sum(float(l.rsplit(" ", 1)[1]) for l in body.decode().splitlines() if l.startswith(prefix))


def test_kill_minus_one_only_hurts_the_sandbox(srv, rt, att):
    c, sid, by = att
    before = driver_restarts(srv, rt.driver)
    shell(c, sid, "kill -9 -1; echo survived", timeout=5)
    run_code(c, sid, KILL_ALL[rt.flavor], timeout=5)
    assert_contained(srv, c, sid, rt, by)
    assert driver_restarts(srv, rt.driver) == before, "a driver restarted: kill -1 reached outside the sandbox"
    record("`kill -9 -1` (shell and code)", rt.name, "contained: own pid namespace; driver not restarted")


SETUID = {"py": "import os\ntry:\n    os.setuid(0); print('ROOT')\nexcept OSError as e:\n    print('denied', e.errno)",
          "js": "try { process.setuid(0); console.log('ROOT'); } catch (e) { console.log('denied', e.code); }"}


def test_setuid_attempts_fail(srv, rt, att):
    c, sid, by = att
    r = run_code(c, sid, SETUID[rt.flavor])
    assert r["result"]["stdout"].startswith("denied"), r
    out = sh_out(c, sid, "grep -E '^(NoNewPrivs|CapEff|CapBnd):' /proc/self/status; "
                         "cp /usr/bin/id ./suid_id && chmod 4755 ./suid_id && ./suid_id -u; "
                         "su -c id root </dev/null 2>/dev/null || echo su-failed; "
                         "mount -t tmpfs x /workspace 2>/dev/null || echo mount-failed")
    assert "NoNewPrivs:\t1" in out and "CapEff:\t0000000000000000" in out, out
    bnd = [l.split()[1] for l in out.splitlines() if l.startswith("CapBnd:")]
    assert "su-failed" in out and "mount-failed" in out, out
    ids = [l for l in out.splitlines() if l.strip().isdigit()]
    assert ids and "0" not in ids, out
    assert_contained(srv, c, sid, rt, by)
    record("setuid (os.setuid(0), setuid binary in workspace, su, mount)", rt.name,
           "contained: EPERM; no_new_privs, no effective capabilities"
           + ("" if bnd == ["0000000000000000"] else f" (bounding set {bnd[0] if bnd else '?'})"))


def test_nested_user_namespaces_are_disabled(srv, rt, att):
    c, sid, _ = att
    out = sh_out(c, sid, "unshare -U -r id -u 2>/dev/null || echo unshare-failed")
    record("nested user namespace (`unshare -U -r`)", rt.name,
           "contained: refused" if "unshare-failed" in out else "GAP: allowed (uid 0 inside a nested userns)")
    assert "unshare-failed" in out, out


# ---- file commands: symlinks and path tricks (done by the host as root) ----

@pytest.fixture(scope="module")
def host_dir():
    d = tempfile.mkdtemp(prefix="cb-host-")
    with open(os.path.join(d, "secret.txt"), "w") as f:
        f.write("HOSTSECRET")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture(scope="module")
def fsess(srv):
    require(srv, RUNTIMES[0])
    c = srv.client()
    sid = c.session("python")
    yield c, sid
    c.close()


def host_untouched(host_dir):
    assert os.listdir(host_dir) == ["secret.txt"], os.listdir(host_dir)
    assert open(os.path.join(host_dir, "secret.txt")).read() == "HOSTSECRET"


def never_leaks(c, sid, cmd):
    r = c.request("session.execute", {"sessionId": sid, "command": cmd})
    assert "HOSTSECRET" not in json.dumps(r), (cmd, r)
    if "error" in r:
        assert r["error"]["code"] == -32011, r
        return "refused (" + r["error"]["data"]["rule"] + ")"
    return "ok" if r["result"]["success"] else "failed"


def test_symlink_escapes_through_file_commands(fsess, host_dir):
    c, sid = fsess
    out = sh_out(c, sid, f"ln -s {host_dir} d; ln -s {host_dir}/secret.txt f; ln -s {host_dir}/new.txt dangling; "
                         f"ln -s ../../../../../../../..{host_dir} rel; mkdir -p sub; ln -s / sub/root; ln -s d chain; "
                         "echo ok > plain; ls")
    assert "dangling" in out, out
    cmds = []
    for p in ["f", "d/secret.txt", "rel/secret.txt", f"sub/root{host_dir}/secret.txt", "chain/secret.txt"]:
        cmds.append({"type": "read_file", "path": p})
        cmds.append({"type": "copy_file", "source": p, "destination": "copied"})
        cmds.append({"type": "diff", "path": "plain", "otherPath": p})
    for p in ["dangling", "d/new.txt", "rel/new.txt", "f", "chain/new.txt"]:
        cmds.append({"type": "write_file", "path": p, "content": "PWNED"})
        cmds.append({"type": "write_file", "path": p, "content": "PWNED", "mode": "Append"})
        cmds.append({"type": "copy_file", "source": "plain", "destination": p})
    cmds += [{"type": "list_directory", "path": "d"}, {"type": "list_directory", "path": "sub/root/etc"},
             {"type": "create_directory", "path": "d/newdir"}, {"type": "delete_file", "path": "d/secret.txt"},
             {"type": "apply_patch", "patch": "--- a/f\n+++ b/f\n@@ -1 +1 @@\n-HOSTSECRET\n+PWNED\n"},
             {"type": "apply_patch", "patch": "--- /dev/null\n+++ b/d/new.txt\n@@ -0,0 +1 @@\n+PWNED\n"}]
    outcomes = [never_leaks(c, sid, cmd) for cmd in cmds]
    host_untouched(host_dir)
    assert "ok" not in [o for cmd, o in zip(cmds, outcomes) if cmd["type"] in ("read_file", "write_file", "copy_file")], \
        list(zip(cmds, outcomes))
    record("symlink escapes via read_file / write_file / copy_file / diff / apply_patch / list / delete", "(host)",
           "contained: links never followed (O_NOFOLLOW per component)")


def traversal_variants(host_dir):
    rel = "../" * 12 + host_dir.lstrip("/")
    return {
        "dotdot": rel, "abs": host_dir, "workspace-dotdot": "/workspace/" + rel, "workspace2": "/workspace2/x",
        "workspace-prefix": "/workspace" + host_dir, "dot-abs": "/." + host_dir, "double-slash": "/" + host_dir,
        "pct": "%2e%2e/" * 12 + host_dir.lstrip("/"), "pct-slash": "..%2f" * 12 + host_dir.lstrip("/"),
        "overlong": "%c0%ae%c0%ae/" * 12 + host_dir.lstrip("/"), "semicolon": "..;/" * 12 + host_dir.lstrip("/"),
        "backslash": "..\\" * 12 + host_dir.lstrip("/").replace("/", "\\"), "dots4": "....//" * 12 + host_dir.lstrip("/"),
        "two-dot-leader": "\u2025/" * 12 + host_dir.lstrip("/"), "fullwidth": "\uff0e\uff0e/" * 12 + host_dir.lstrip("/"),
        "zero-width": ".\u200b./" * 12 + host_dir.lstrip("/"), "tilde": "~/" + rel, "nul": rel + "\u0000.txt",
        "trailing-dot": "/workspace/.." + host_dir,
    }


VARIANTS = list(traversal_variants("/tmp/x").keys())


@pytest.mark.parametrize("variant", VARIANTS)
def test_path_traversal_variants_stay_in_the_workspace(srv, fsess, host_dir, variant):
    c, sid = fsess
    base = traversal_variants(host_dir)[variant]
    outcomes = {}
    for cmd in [{"type": "read_file", "path": base + "/secret.txt"}, {"type": "list_directory", "path": base},
                {"type": "write_file", "path": base + "/new.txt", "content": "PWNED"},
                {"type": "copy_file", "source": base + "/secret.txt", "destination": "c.txt"},
                {"type": "write_file", "path": "src.txt", "content": "PWNED"},
                {"type": "copy_file", "source": "src.txt", "destination": base + "/new.txt"},
                {"type": "create_directory", "path": base + "/newdir"}, {"type": "delete_file", "path": base + "/secret.txt"}]:
        o = never_leaks(c, sid, cmd)
        if cmd.get("path") != "src.txt":
            outcomes.setdefault(o, []).append(cmd["type"])
    host_untouched(host_dir)
    # Whatever was accepted landed inside some session workspace on the host, never elsewhere.
    for d, _, files in os.walk(srv.workspace_root):
        assert os.path.realpath(d).startswith(os.path.realpath(srv.workspace_root))
    refused = [o for o in outcomes if o.startswith("refused")]
    if refused:
        summary = "contained: " + ", ".join(refused)
    elif "ok" in outcomes:
        summary = "contained: a literal name inside /workspace (writes create it; reads find nothing)"
    else:
        summary = "contained: outside the workspace, every command fails"
    record(f"path traversal: {variant}", "(host)", summary)
