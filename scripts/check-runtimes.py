#!/usr/bin/env python3
"""Validates runtime manifests (docs/runtimes.md; SPEC-13 B) and runs their test programs in a sandbox like the
runtimes driver's, without the driver: a read-only /usr, the same few /etc files, a private /tmp, the build
directory at /build/job and a workspace at /workspace, no network, as uid 65534 (when run as root), in a cgroup
with a default session's memory and pids limits (512 MB, 256), lowered by the manifest's (when the cgroup tree is
writable). Not the real driver's seccomp.

  scripts/check-runtimes.py                  every manifest in runtimes/
  scripts/check-runtimes.py ruby c go        only these (names or aliases)
  scripts/check-runtimes.py --dir /etc/codebeaker/runtimes.d --json
  scripts/check-runtimes.py --validate-only  keys and types only, runs nothing
  scripts/check-runtimes.py --packages all   the Debian packages of the chosen languages (scripts/setup.sh)

A language whose version probe fails is UNAVAILABLE (not installed): a failure only with --strict.
Exit status: 0 all good, 1 a manifest is invalid or a test failed, 2 usage error.
"""
import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
KEYS = {"name", "aliases", "extensions", "source", "compile", "run", "version", "packages", "installHint", "env",
        "limits", "tests"}
LIMIT_KEYS = {"timeoutMs", "memoryMB", "pids", "maxOutputBytes", "compileTimeoutMs"}
TEST_KEYS = {"code", "file", "stdin", "stdout"}
NAME_RE = re.compile(r"^[a-z0-9+#_-]{1,32}$")
# The sandbox's read-only host files: Sandbox.etcFiles (Sources/DriverKit/Sandbox/Sandbox.swift). Keep in step.
ETC_FILES = ["/etc/ld.so.cache", "/etc/ssl", "/etc/ca-certificates", "/etc/localtime", "/etc/alternatives",
             "/etc/nsswitch.conf", "/etc/hosts", "/etc/mime.types",
             "/etc/java-17-openjdk", "/etc/R", "/etc/fpc.cfg", "/etc/gnucobol", "/etc/nim", "/etc/racket",
             "/var/lib/ghc"]
DEFAULTS = {"timeoutMs": 30000, "compileTimeoutMs": 60000, "memoryMB": 512, "pids": 256,
            "maxOutputBytes": 1 << 20}
BUILD_DIR = "/build/job"
UID = 65534


def validate(m, path):
    """The list of problems of one manifest, each naming the file and the key (empty: valid)."""
    errs = []

    def err(key, problem):
        errs.append(f"{path}: key '{key}': {problem}")

    if not isinstance(m, dict):
        return [f"{path}: must be a JSON object"]
    for k in sorted(set(m) - KEYS):
        err(k, f"unknown key (known: {', '.join(sorted(KEYS))})")
    for k in ("name", "source", "run"):
        if k not in m:
            err(k, "is required")
    if "name" in m and not (isinstance(m["name"], str) and NAME_RE.match(m["name"])):
        err("name", "must match [a-z0-9+#_-]{1,32}")
    for k in ("aliases", "extensions", "packages"):
        v = m.get(k, [])
        if not (isinstance(v, list) and all(isinstance(s, str) for s in v)):
            err(k, "must be an array of strings")
    if isinstance(m.get("aliases"), list) and not all(isinstance(a, str) and NAME_RE.match(a) for a in m["aliases"]):
        err("aliases", "each must match [a-z0-9+#_-]{1,32}")
    if isinstance(m.get("extensions"), list) and not all(
            isinstance(e, str) and e.startswith(".") and len(e) > 1 and "/" not in e for e in m["extensions"]):
        err("extensions", 'each must look like ".rb"')
    src = m.get("source")
    if "source" in m and not (isinstance(src, str) and src not in ("", ".", "..") and "/" not in src):
        err("source", "must be a plain file name")
    for k in ("compile", "run", "version"):
        if k in m:
            v = m[k]
            if not (isinstance(v, list) and v and all(isinstance(s, str) for s in v) and v[0]):
                err(k, "must be a non-empty array of strings (an argv)")
    if "installHint" in m and not isinstance(m["installHint"], str):
        err("installHint", "must be a string")
    if "env" in m and not (isinstance(m["env"], dict) and all(isinstance(v, str) for v in m["env"].values())):
        err("env", "must be an object of strings")
    lim = m.get("limits", {})
    if not isinstance(lim, dict):
        err("limits", "must be an object")
    else:
        for k in sorted(set(lim) - LIMIT_KEYS):
            err(f"limits.{k}", f"unknown key (known: {', '.join(sorted(LIMIT_KEYS))})")
        for k, v in lim.items():
            if k in LIMIT_KEYS and not (isinstance(v, int) and not isinstance(v, bool) and v > 0):
                err(f"limits.{k}", "must be a positive integer")
    tests = m.get("tests", [])
    if not isinstance(tests, list):
        err("tests", "must be an array")
        tests = []
    for i, t in enumerate(tests):
        key = f"tests[{i}]"
        if not isinstance(t, dict):
            err(key, "must be an object")
            continue
        for k in sorted(set(t) - TEST_KEYS):
            err(f"{key}.{k}", f"unknown key (known: {', '.join(sorted(TEST_KEYS))})")
        for k in TEST_KEYS & set(t):
            if not isinstance(t[k], str):
                err(f"{key}.{k}", "must be a string")
        if ("code" in t) == ("file" in t):
            err(key, "needs exactly one of 'code' or 'file'")
        if "stdout" not in t:
            err(f"{key}.stdout", "is required")
        if isinstance(t.get("file"), str) and not (path.parent / t["file"]).is_file():
            err(f"{key}.file", f"no such file {path.parent / t['file']}")
    return errs


def test_source(m, path, t):
    return t["code"] if "code" in t else (path.parent / t["file"]).read_text()


class Cgroup:
    """A throw-away cgroup (v2, else v1 memory+pids) with the limits; None-like when the tree is not writable."""

    def __init__(self, memory_mb, pids):
        self.dirs = []
        tag = f"cb-check-{os.getpid()}-{time.monotonic_ns()}"
        try:
            if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
                d = f"/sys/fs/cgroup/{tag}"
                os.mkdir(d)
                self.dirs = [d]
                self._write(d, "memory.max", memory_mb << 20)
                self._write(d, "memory.swap.max", 0, optional=True)
                self._write(d, "pids.max", pids)
            else:
                for ctl, f, v in (("memory", "memory.limit_in_bytes", memory_mb << 20), ("pids", "pids.max", pids)):
                    d = f"/sys/fs/cgroup/{ctl}/{tag}"
                    os.mkdir(d)
                    self.dirs.append(d)
                    self._write(d, f, v)
        except OSError:
            self.close()
            self.dirs = []

    @staticmethod
    def _write(d, f, v, optional=False):
        try:
            with open(f"{d}/{f}", "w") as fh:
                fh.write(str(v))
        except OSError:
            if not optional:
                raise

    def prefix(self):
        """argv that joins the cgroup, then execs the rest."""
        if not self.dirs:
            return []
        joins = "; ".join(f'echo $$ > "{d}/cgroup.procs"' for d in self.dirs)
        return ["/bin/sh", "-c", joins + '; exec "$@"', "sh"]

    def oom_killed(self):
        for d in self.dirs:
            for f in ("memory.events", "memory.oom_control"):
                try:
                    text = open(f"{d}/{f}").read()
                except OSError:
                    continue
                if re.search(r"^oom_kill [1-9]", text, re.M):
                    return True
        return False

    def peak_mb(self):
        for d in self.dirs:
            for f in ("memory.peak", "memory.max_usage_in_bytes"):
                try:
                    return int(open(f"{d}/{f}").read()) >> 20
                except (OSError, ValueError):
                    continue
        return None

    def close(self):
        for d in self.dirs:
            for _ in range(50):
                try:
                    os.rmdir(d)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.1)


def sandbox_argv(build, workspace, env, as_root):
    a = ["bwrap", "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
         "--ro-bind", "/usr", "/usr", "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
         "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin"]
    for f in ETC_FILES:
        a += ["--ro-bind-try", f, f]
    a += ["--proc", "/proc", "--dev", "/dev", "--size", str(64 << 20), "--tmpfs", "/tmp",
          "--bind", workspace, "/workspace", "--bind", build, BUILD_DIR, "--remount-ro", "/",
          "--chdir", "/workspace", "--uid", str(UID), "--gid", str(UID), "--hostname", "sandbox", "--clearenv"]
    base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/workspace", "USER": "sandbox", "LOGNAME": "sandbox",
            "LANG": "C.UTF-8", "TMPDIR": "/tmp", "HOSTNAME": "sandbox"}
    base.update(env)
    for k, v in sorted(base.items()):
        a += ["--setenv", k, v]
    a.append("--")
    if as_root:  # the driver starts bwrap as the session uid with no_new_privs; so do we
        return ["setpriv", f"--reuid={UID}", f"--regid={UID}", "--clear-groups", "--no-new-privs"] + a
    return a


def substitute(argv, source):
    return [s.replace("{source}", f"{BUILD_DIR}/{source}").replace("{dir}", BUILD_DIR)
            .replace("{workspace}", "/workspace") for s in argv]


def limits(m):
    """The session defaults, tightened by the manifest's limits (as the driver does: a manifest only lowers them),
    except compileTimeoutMs, which is the compile's own budget."""
    lim = dict(DEFAULTS)
    for k, v in m.get("limits", {}).items():
        lim[k] = v if k == "compileTimeoutMs" else min(lim[k], v)
    return lim


def run_step(argv, build, workspace, m, stdin, timeout_ms, max_out):
    """(exit code or None on timeout, stdout, stderr, ms, oom, peak MB or None) of one sandboxed step."""
    lim = limits(m)
    cg = Cgroup(lim["memoryMB"], lim["pids"])
    as_root = os.geteuid() == 0
    cmd = cg.prefix() + sandbox_argv(build, workspace, m.get("env", {}), as_root) + argv
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        out, err = p.communicate(stdin.encode(), timeout=timeout_ms / 1000)
        code = p.returncode
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, 9)
        out, err = p.communicate()
        code = None
    ms = int((time.monotonic() - t0) * 1000)
    oom, peak = cg.oom_killed(), cg.peak_mb()
    cg.close()
    return code, out[:max_out].decode(errors="replace"), err[:max_out].decode(errors="replace"), ms, oom, peak


def owned_tmpdir(prefix, as_root):
    d = tempfile.mkdtemp(prefix=prefix)
    os.chmod(d, 0o755)
    if as_root:
        os.chown(d, UID, UID)
    return d


def check(m, path, verbose):
    """One language: {"name", "status": PASS|FAIL|UNAVAILABLE, "version", "ms", "failures": [...]}."""
    lim = limits(m)
    as_root = os.geteuid() == 0
    res = {"name": m["name"], "file": str(path), "status": "PASS", "version": None, "ms": 0, "failures": [],
           "tests": []}
    t0 = time.monotonic()
    scratch = owned_tmpdir("cb-check-", False)
    os.chmod(scratch, 0o711)
    try:
        if "version" in m:
            build, ws = owned_tmpdir(scratch + "/b", as_root), owned_tmpdir(scratch + "/w", as_root)
            code, out, err, _, _, _ = run_step(substitute(m["version"], m["source"]), build, ws, m, "", 20000, 65536)
            first = (out + err).strip().splitlines()[:1]
            if code != 0:
                res["status"] = "UNAVAILABLE"
                res["failures"].append(f"version probe {m['version']} failed (exit {code}): {(out + err)[-300:]}"
                                       f"; install hint: {m.get('installHint', '-')}")
                return res
            res["version"] = first[0] if first else ""
        for i, t in enumerate(m.get("tests", [])):
            build, ws = owned_tmpdir(scratch + "/b", as_root), owned_tmpdir(scratch + "/w", as_root)
            src = pathlib.Path(build) / m["source"]
            src.write_text(test_source(m, path, t))
            if as_root:
                os.chown(src, UID, UID)
            entry = {"test": i, "compileMs": None, "runMs": None, "compileMB": None, "runMB": None, "ok": False}
            res["tests"].append(entry)
            if "compile" in m:
                code, out, err, ms, oom, peak = run_step(substitute(m["compile"], m["source"]), build, ws, m, "",
                                                         lim["compileTimeoutMs"], lim["maxOutputBytes"])
                entry["compileMs"], entry["compileMB"] = ms, peak
                if code != 0:
                    why = "timed out" if code is None else ("out of memory" if oom else f"exit {code}")
                    res["failures"].append(f"test {i}: compile {why}: {(out + err)[-1500:]}")
                    continue
            code, out, err, ms, oom, peak = run_step(substitute(m["run"], m["source"]), build, ws, m,
                                                     t.get("stdin", ""), lim["timeoutMs"], lim["maxOutputBytes"])
            entry["runMs"], entry["runMB"] = ms, peak
            if code is None or code != 0 or out != t["stdout"]:
                why = "timed out" if code is None else ("out of memory" if oom else f"exit {code}")
                res["failures"].append(f"test {i}: {why}; stdout {out[:300]!r}, expected {t['stdout'][:300]!r}; "
                                       f"stderr {err[-1500:]!r}")
                continue
            entry["ok"] = True
        if res["failures"]:
            res["status"] = "FAIL"
        elif not m.get("tests"):
            res["status"] = "FAIL"
            res["failures"].append("no tests")
        return res
    finally:
        res["ms"] = int((time.monotonic() - t0) * 1000)
        shutil.rmtree(scratch, ignore_errors=True)


def load(dirs):
    """{name: (manifest, path)} with later directories winning, plus the validation errors."""
    found, errors = {}, []
    for d in dirs:
        for path in sorted(pathlib.Path(d).glob("*.json")):
            try:
                m = json.loads(path.read_text())
            except (OSError, ValueError) as e:
                errors.append(f"{path}: not valid JSON: {e}")
                continue
            problems = validate(m, path)
            if problems:
                errors += problems
                found.pop(path.stem, None)
                continue
            found[m["name"]] = (m, path)
    return found, errors


def print_packages(found, errors, wanted):
    for e in errors:
        print("invalid manifest (its packages are left out): " + e, file=sys.stderr)
    names = [w for arg in wanted for w in arg.split(",") if w]
    if names in ([], ["all"]):
        names = sorted(found)
    elif names == ["none"]:
        names = []
    pkgs = []
    for want in names:
        hit = [m for n, (m, _) in found.items() if want == n or want in m.get("aliases", [])]
        if not hit:
            print(f"no manifest for language '{want}' (known: {', '.join(sorted(found))})", file=sys.stderr)
            return 2
        pkgs += [p for p in hit[0].get("packages", []) if p not in pkgs]
    print("\n".join(pkgs))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("languages", nargs="*", help="names or aliases (default: all)")
    ap.add_argument("--dir", action="append", help="manifest directory (repeatable; default: runtimes/)")
    ap.add_argument("--json", action="store_true", help="one JSON document on stdout")
    ap.add_argument("--validate-only", action="store_true")
    ap.add_argument("--strict", action="store_true", help="an unavailable language is a failure")
    ap.add_argument("--packages", action="store_true",
                    help="print the union of the chosen languages' packages, one a line ('all'/'none' allowed)")
    ap.add_argument("-v", "--verbose", action="store_true")
    args = ap.parse_args()
    found, errors = load(args.dir or [str(ROOT / "runtimes")])
    if args.packages:
        return print_packages(found, errors, args.languages)
    chosen = sorted(found)
    if args.languages:
        chosen = []
        for want in args.languages:
            hit = [n for n, (m, _) in found.items() if want == n or want in m.get("aliases", [])]
            if not hit:
                print(f"no manifest for {want}", file=sys.stderr)
                return 2
            chosen += hit
    if shutil.which("bwrap") is None and not args.validate_only:
        print("bwrap not found (apt-get install bubblewrap)", file=sys.stderr)
        return 2
    results = []
    for n in chosen:
        m, path = found[n]
        if args.validate_only:
            results.append({"name": n, "file": str(path), "status": "VALID", "failures": []})
            continue
        r = check(m, path, args.verbose)
        results.append(r)
        if not args.json:
            ver = f" ({r['version']})" if r["version"] else ""
            print(f"{r['status']:<11} {n:<12} {r['ms']:>6} ms{ver}", flush=True)
            for f in r["failures"] if (r["status"] != "PASS" and (args.verbose or r["status"] == "FAIL")) else []:
                print("    " + f.replace("\n", "\n    "), flush=True)
    bad = [r for r in results if r["status"] == "FAIL" or (args.strict and r["status"] == "UNAVAILABLE")]
    if args.json:
        print(json.dumps({"errors": errors, "results": results}, indent=1))
    else:
        for e in errors:
            print("INVALID     " + e)
        counts = {s: sum(r["status"] == s for r in results) for s in ("PASS", "FAIL", "UNAVAILABLE", "VALID")}
        print(", ".join([f"{v} {k.lower()}" for k, v in counts.items() if v] + [f"{len(errors)} invalid"]))
    return 1 if bad or errors else 0


if __name__ == "__main__":
    sys.exit(main())
