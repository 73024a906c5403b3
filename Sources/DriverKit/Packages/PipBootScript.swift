/// The installer's entry point inside the install sandbox, run by the system interpreter with `-I`:
/// `python3 -I pip_boot.py VENV install ARGS...`. It creates the session venv on first use and runs
/// Debian's pip *as if* inside the venv (prefix, scheme, shebangs, already-installed detection) while
/// nothing under the user-writable venv is importable: a `.pth`, `sitecustomize` or a fake `pip`/`keyring`
/// planted there by session code must not run while the installer has network.
enum PipBootScript {
    static let marker = "@@codebeaker-installed@@"
    static let fileName = "pip_boot.py"

    static let text = #"""
import importlib.machinery, json, os, sys

VENV = sys.argv[1]
SITE = os.path.join(VENV, "lib", "python%d.%d" % sys.version_info[:2], "site-packages")
REPORT = "/tmp/codebeaker-pip-report.json"
MARKER = "@@codebeaker-installed@@"


def make_venv():
    if os.path.exists(os.path.join(VENV, "pyvenv.cfg")):
        return
    import venv
    # --system-site-packages: what was importable before the venv stays importable, and Debian's pip
    # serves the venv without a per-session copy of pip (ensurepip costs seconds).
    venv.EnvBuilder(system_site_packages=True, with_pip=False, symlinks=True, clear=False).create(VENV)
    for name in ("pip", "pip3"):
        path = os.path.join(VENV, "bin", name)
        with open(path, "w") as f:
            f.write("#!%s/bin/python3\nimport sys\nfrom pip._internal.cli.main import main\nsys.exit(main())\n" % VENV)
        os.chmod(path, 0o755)
    print("created virtualenv %s" % VENV, flush=True)


class NoVenvImports:
    @staticmethod
    def find_spec(name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is not None:
            locs = [spec.origin or ""] + list(spec.submodule_search_locations or [])
            if any(l == VENV or l.startswith(VENV + "/") for l in locs):
                raise ImportError("%s: importing from the session venv is disabled in the installer" % name)
        return None


def main():
    make_venv()
    if len(sys.argv) < 3:
        return 0
    sys.meta_path.insert(0, NoVenvImports)
    sys.prefix = sys.exec_prefix = VENV
    sys.executable = os.path.join(VENV, "bin", "python3")
    sys.path.append(SITE)  # metadata only (already-installed detection); imports from it are refused above
    # Before the caller's arguments, which end with "--" and the specs.
    sys.argv = ["pip", sys.argv[2], "--prefix", VENV, "--report", REPORT] + sys.argv[3:]
    from pip._internal.cli.main import main as pip_main
    rc = pip_main()
    try:
        with open(REPORT) as f:
            report = json.load(f)
        got = [[i["metadata"]["name"], i["metadata"]["version"]] for i in report.get("install", [])]
        sys.stdout.flush()
        print(MARKER + " " + json.dumps(got), flush=True)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    return rc


sys.exit(main())
"""#
}
