"""Every shipped runtime manifest (runtimes/*.json) over a real WebSocket: a session in that language runs each of
the manifest's test programs through the runtimes driver and prints exactly the expected stdout; and
`language.list` shows at least 25 available languages (the issue's bar on a machine set up by scripts/setup.sh)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import BUILD, ROOT, Server, wait_until

RUNTIMES_DIR = ROOT / "runtimes"
DRIVER = BUILD / "codebeaker-driver-runtimes"
MIN_AVAILABLE = 25


def manifests():
    out = []
    for path in sorted(RUNTIMES_DIR.glob("*.json")):
        m = json.loads(path.read_text())
        m["_dir"] = path.parent
        out.append(m)
    return out


MANIFESTS = manifests()
# Languages from Debian packages: scripts/setup.sh installs them, so each must be available and pass. A manifest
# without packages (swift: a toolchain the operator installs) is only checked to be listed.
DEBIAN = [m for m in MANIFESTS if m.get("packages")]
OTHER = [m for m in MANIFESTS if not m.get("packages")]


@pytest.fixture(scope="module")
def server():
    """A host with only the runtimes driver, reading only the shipped manifests (no operator overrides, and no
    other driver's `go`); its version probes settled."""
    if not DRIVER.exists():
        pytest.fail(f"{DRIVER} is not built: scripts/test.sh builds every driver, so this is a broken build")
    tmp = tempfile.mkdtemp(prefix="cb-languages-")
    os.symlink(DRIVER, os.path.join(tmp, DRIVER.name))
    s = Server(drivers_dir=tmp, env={"CODEBEAKER_RUNTIMES_DIRS": str(RUNTIMES_DIR)})
    try:
        wait_until(lambda: "probe still running" not in json.dumps(language_table(s)), 120, "version probes settled")
        yield s
    finally:
        s.stop()
        shutil.rmtree(tmp, ignore_errors=True)


def language_table(server):
    c = server.client()
    try:
        return c.call("language.list")["languages"]
    finally:
        c.close()


def is_available(entry):
    """A language entry is available unless it (or its runtimes driver's entry) says otherwise."""
    if "available" in entry:
        return entry["available"] is True
    runs = [r for r in entry.get("runtimes", []) if "available" in r]
    return all(r["available"] is True for r in runs)


def source(m, test):
    return test["code"] if "code" in test else (m["_dir"] / test["file"]).read_text()


def test_shipped_manifests_number_at_least_25_debian_languages():
    assert len(DEBIAN) >= MIN_AVAILABLE, [m["name"] for m in DEBIAN]


def test_language_list_shows_at_least_25_available(server):
    shipped = {m["name"] for m in DEBIAN}

    table = language_table(server)
    available = sorted(e["name"] for e in table if is_available(e))
    missing = sorted(shipped - set(available))
    assert not missing, f"manifest languages not available (run scripts/setup.sh): {missing}; table: {table}"
    assert len(available) >= MIN_AVAILABLE, available


@pytest.mark.parametrize("m", OTHER, ids=[m["name"] for m in OTHER])
def test_non_debian_language_is_listed_with_a_hint_when_unavailable(server, m):
    entry = next((e for e in language_table(server) if e["name"] == m["name"]), None)
    assert entry is not None, f"{m['name']} not in language.list"
    if not is_available(entry):
        text = json.dumps(entry)
        assert "unavailableReason" in text and m["installHint"] in text, entry


@pytest.mark.parametrize("m", DEBIAN, ids=[m["name"] for m in DEBIAN])
def test_manifest_programs_print_exactly_their_expected_output(server, m):
    assert m.get("tests"), f"{m['name']}: a shipped manifest needs test programs"
    with server.client() as c:
        sid = c.session(m["name"])
        for i, t in enumerate(m["tests"]):
            cmd = {"type": "execute_code", "code": source(m, t)}
            if "stdin" in t:
                cmd["stdin"] = t["stdin"]
            r = c.execute(sid, cmd, timeout=300)
            res = r.get("result") or {}
            assert res.get("stdout") == t["stdout"] and r["success"] is True, (
                f"{m['name']} test {i}: expected {t['stdout']!r}, got {res.get('stdout')!r}; "
                f"exit {res.get('exitCode')}, phase {res.get('phase')}, stderr {res.get('stderr', '')[-2000:]!r}, "
                f"error {r.get('error')!r}")


# ---- scripts/check-runtimes.py, the operators' check without the server ----
CHECK = ROOT / "scripts" / "check-runtimes.py"


def check(*args):
    return subprocess.run([sys.executable, str(CHECK), *args], capture_output=True, text=True, timeout=300)


def test_check_script_refuses_unknown_keys_and_wrong_types_naming_file_and_key(tmp_path):
    (tmp_path / "bad.json").write_text(json.dumps(
        {"name": "bad", "source": "a.x", "run": "notalist", "limits": {"memMB": 1}, "tests": [{"stdout": ""}]}))
    r = check("--validate-only", "--dir", str(tmp_path))
    assert r.returncode == 1, r
    for key in ("'run'", "'limits.memMB'", "'tests[0]'"):
        assert f"bad.json: key {key}" in r.stdout, r.stdout


def test_check_script_passes_the_shipped_manifests_keys():
    r = check("--validate-only")
    assert r.returncode == 0 and f"{len(MANIFESTS)} valid, 0 invalid" in r.stdout, r.stdout + r.stderr


def test_check_script_runs_a_language_in_its_sandbox_and_fails_a_wrong_output(tmp_path):
    if not shutil.which("bwrap"):
        pytest.skip("bubblewrap is not installed (scripts/setup.sh installs it)")
    uid = 65534 if os.geteuid() == 0 else os.geteuid()  # as root it drops to nobody, as the driver does
    good = {"name": "sh1", "source": "main.sh", "run": ["bash", "{source}"], "version": ["bash", "--version"],
            "tests": [{"code": "id -u; pwd; touch /usr/x 2>/dev/null || echo ro",
                       "stdout": f"{uid}\n/workspace\nro\n"}]}
    (tmp_path / "sh1.json").write_text(json.dumps(good))
    r = check("--dir", str(tmp_path), "--json")
    assert r.returncode == 0, r.stdout + r.stderr
    assert json.loads(r.stdout)["results"][0]["status"] == "PASS"
    good["tests"][0]["stdout"] = "0\n"
    (tmp_path / "sh1.json").write_text(json.dumps(good))
    r = check("--dir", str(tmp_path))
    assert r.returncode == 1 and "FAIL" in r.stdout, r.stdout + r.stderr
