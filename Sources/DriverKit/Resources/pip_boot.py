import importlib.machinery, json, os, re, sys

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


def outside_venv(paths):
    return [p for p in paths if not (p == VENV or p.startswith(VENV + "/"))]


class NoVenvImports:
    """Replaces the path-based finder on sys.meta_path: every import resolves as if the venv were not on
    sys.path; distribution metadata (importlib.metadata) still sees it."""
    @staticmethod
    def find_spec(name, path=None, target=None):
        return importlib.machinery.PathFinder.find_spec(name, outside_venv(sys.path if path is None else path), target)

    @staticmethod
    def find_distributions(*args, **kwargs):
        return importlib.machinery.PathFinder.find_distributions(*args, **kwargs)

    @staticmethod
    def invalidate_caches():
        importlib.machinery.PathFinder.invalidate_caches()


def dists(site):
    """{normalized project: (display name, version)} of the dist-info directories in `site`."""
    out = {}
    try:
        names = os.listdir(site)
    except OSError:
        return out
    for n in names:
        if n.endswith(".dist-info") and "-" in n:
            name, ver = n[:-len(".dist-info")].rsplit("-", 1)
            out[re.sub(r"[-_.]+", "_", name).lower()] = (name, ver)
    return out


def apply_tree(tree, requested):
    """A cache hit: copy a tree the cache uid installed earlier (same specs, same /workspace/.venv layout)
    into this venv, unless it would change the version of a package the venv already has (then exit 3 and
    the driver falls back to pip, which handles upgrades)."""
    import shutil
    rel = os.path.relpath(SITE, VENV)
    src = os.path.join(tree, rel)
    have, new = dists(SITE), dists(src)
    for n in requested:
        key = re.sub(r"[-_.]+", "_", n).lower()
        if key in have and (key not in new or new[key][1] != have[key][1]):
            print("%s %s is installed in the venv; resolving with pip" % (have[key][0], have[key][1]), flush=True)
            return 3
    for key, (name, ver) in new.items():
        if key in have and have[key][1] != ver:
            print("%s %s is installed; the cached set has %s" % (name, have[key][1], ver), flush=True)
            return 3
    shutil.copytree(src, SITE, symlinks=True, dirs_exist_ok=True)
    bindir = os.path.join(tree, "bin")
    for f in sorted(os.listdir(bindir)):
        if f.startswith(("python", "activate", "Activate", "pip")):
            continue
        shutil.copy2(os.path.join(bindir, f), os.path.join(VENV, "bin", f), follow_symlinks=False)
    got = [[name, ver] for key, (name, ver) in sorted(new.items()) if key not in have]
    for name, ver in got:
        print("Installed %s-%s from the shared cache" % (name, ver), flush=True)
    print(MARKER + " " + json.dumps(got), flush=True)
    return 0


def main():
    make_venv()
    if len(sys.argv) < 3:
        return 0
    if sys.argv[2] == "--apply-tree":
        return apply_tree(sys.argv[3], sys.argv[4:])
    # In the path-based finder's place: builtin and frozen modules and later finders work as usual.
    sys.meta_path[sys.meta_path.index(importlib.machinery.PathFinder)] = NoVenvImports
    sys.prefix = sys.exec_prefix = VENV
    sys.executable = os.path.join(VENV, "bin", "python3")
    # Where the venv's own interpreter has it (ahead of the system's packages), for pip's metadata only:
    # already-installed detection and uninstalls. Imports never resolve there (NoVenvImports).
    at = next((i for i, p in enumerate(sys.path) if p.endswith("-packages")), len(sys.path))
    sys.path.insert(at, SITE)
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
