"""The packages without installing them: fields, one version, static Swift runtime (ldd), the systemd unit
(systemd-analyze verify), the Prometheus rules (promtool), lintian (each remaining tag listed in
docs/operations.md with its reason), and `codebeaker config check` on good and broken files."""
import json
import pathlib
import re
import shutil
import subprocess

from conftest import ROOT, version

SWIFT_LIBS = re.compile(r"libswift|libFoundation|libdispatch|libBlocksRuntime|lib_FoundationICU|libicu")


def control(deb):
    out = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    return dict(re.findall(r"^([A-Za-z-]+): (.*)$", out, re.M))


def test_every_package_has_the_projects_version_and_real_depends(debs):
    core = (ROOT / "Sources/Host/App/CoreMethods.swift").read_text()
    upstream = re.search(r'serverVersion = "([^"]+)"', core).group(1)
    assert version().startswith(upstream + "-")
    fields = {name: control(deb) for name, deb in debs.items()}
    assert {f["Version"] for f in fields.values()} == {version()}
    want = {"codebeaker-driver-python": ["bubblewrap", "python3"], "codebeaker-driver-node": ["bubblewrap", "nodejs"],
            "codebeaker-driver-docker": ["docker.io"], "codebeaker-driver-runtimes": ["bubblewrap"]}
    for name, deps in want.items():
        for d in deps + [f"codebeaker (= {version()})"]:
            assert d in fields[name]["Depends"], (name, fields[name]["Depends"])
    # Deno and Bun are not in Debian: their packages depend on no runtime and say how they find it.
    for name, var in [("codebeaker-driver-deno", "CODEBEAKER_DENO"), ("codebeaker-driver-bun", "CODEBEAKER_BUN")]:
        assert fields[name]["Depends"].endswith(f", codebeaker (= {version()}), bubblewrap"), fields[name]
        text = subprocess.run(["dpkg-deb", "-f", str(debs[name]), "Description"], capture_output=True,
                              text=True, check=True).stdout
        assert var in text and "/usr/local/bin" in text, text
    files = subprocess.run(["dpkg-deb", "-c", str(debs["codebeaker"])], capture_output=True, text=True).stdout
    for path in ["./usr/bin/codebeaker", "./etc/codebeaker/config.json", "./usr/lib/codebeaker/drivers/",
                 "./lib/systemd/system/codebeaker.service", "./usr/share/doc/codebeaker/operations.md",
                 "./usr/share/codebeaker/prometheus/codebeaker-alerts.yml"]:
        assert path in files, path
    assert re.search(r"^drwx--x--x .* \./var/lib/codebeaker/$", files, re.M), files
    conffiles = subprocess.run(["dpkg-deb", "--ctrl-tarfile", str(debs["codebeaker"])], capture_output=True).stdout
    assert b"conffiles" in conffiles


def test_binaries_link_the_swift_runtime_statically(unpacked):
    bins = [unpacked / "usr/bin/codebeaker", unpacked / "usr/bin/codebeaker-sandbox"]
    bins += sorted((unpacked / "usr/lib/codebeaker/drivers").glob("codebeaker-driver-*"))
    assert len(bins) == 8, bins
    for b in bins:
        r = subprocess.run(["ldd", str(b)], capture_output=True, text=True, timeout=30)
        assert "not found" not in r.stdout, (b, r.stdout)
        assert not SWIFT_LIBS.search(r.stdout), (b, r.stdout)


def test_systemd_analyze_verifies_the_unit(unpacked, tmp_path):
    # --root: the unit's binaries are looked up in the unpacked packages; the system's own units (targets) and
    # /bin/kill (ExecReload) are copied in, as an installed system has them.
    root = tmp_path / "root"
    shutil.copytree(unpacked, root, symlinks=True)
    for f in pathlib.Path("/lib/systemd/system").iterdir():
        if f.is_file() and not (root / "lib/systemd/system" / f.name).exists():
            shutil.copy(f, root / "lib/systemd/system" / f.name)
    (root / "bin").mkdir()
    shutil.copy("/bin/kill", root / "bin/kill")
    unit = root / "lib/systemd/system/codebeaker.service"
    r = subprocess.run(["systemd-analyze", "verify", f"--root={root}", "/lib/systemd/system/codebeaker.service"],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and r.stderr.strip() == "", r.stdout + r.stderr
    text = unit.read_text()
    for opt in ["NoNewPrivileges=yes", "ProtectSystem=", "ProtectHome=", "PrivateTmp=yes",
                "ExecStartPre=/usr/bin/codebeaker config check", "--log-format json", "ExecReload=",
                "RestartPreventExitStatus=2"]:
        assert opt in text, opt


def test_the_prometheus_rules_pass_promtool(unpacked):
    promtool = shutil.which("promtool")
    assert promtool, "promtool not installed (scripts/setup.sh --test installs prometheus)"
    rules = unpacked / "usr/share/codebeaker/prometheus/codebeaker-alerts.yml"
    r = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "SUCCESS: 5 rules found" in r.stdout, r.stdout + r.stderr
    for alert in ["DriverDown", "DriverRestartLoop", "WorkspaceDiskLow", "RateLimitStorm", "AuditWriteFailures"]:
        assert f"alert: CodeBeaker{alert}" in rules.read_text()


def documented_lintian_tags():
    text = (ROOT / "docs" / "operations.md").read_text()
    section = text.split("## Lintian", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9-]+)` \|", section, re.M))


def test_lintian_tags_are_all_documented(debs):
    lintian = shutil.which("lintian")
    assert lintian, "lintian not installed (scripts/setup.sh --test installs it)"
    r = subprocess.run([lintian, "--tag-display-limit", "0", *map(str, debs.values())],
                       capture_output=True, text=True, timeout=900)
    # Exit 1 is "tags found"; anything else is lintian failing to check the packages.
    assert r.returncode in (0, 1), r.stdout + r.stderr
    tags = set(re.findall(r"^[EWIPX]: [^:]+: ([a-z0-9-]+)", r.stdout, re.M))
    undocumented = tags - documented_lintian_tags()
    assert not undocumented, f"lintian tags not in docs/operations.md: {sorted(undocumented)}\n{r.stdout}"


def config_check(unpacked, tmp_path, config):
    path = tmp_path / "config.json"
    path.write_text(config if isinstance(config, str) else json.dumps(config))
    return subprocess.run([str(unpacked / "usr/bin/codebeaker"), "config", "check", str(path)],
                          capture_output=True, text=True, timeout=30)


def test_config_check_passes_the_shipped_config_and_names_the_key_of_a_broken_one(unpacked, tmp_path):
    shipped = (unpacked / "etc/codebeaker/config.json").read_text()
    r = config_check(unpacked, tmp_path, shipped)
    assert r.returncode == 0 and r.stdout.strip().endswith(": ok"), r.stdout + r.stderr
    for broken, key in [({"port": "5039"}, "'port'"), ({"maxSesions": 10}, "'maxSesions'"),
                        ({"security": {"auditLogRetentionDays": "ninety"}}, "auditLogRetentionDays"),
                        ({"sessionLimits": {"cpuShares": 1}}, "cpuShares"), ({"host": "0.0.0.0"}, "token")]:
        r = config_check(unpacked, tmp_path, broken)
        assert r.returncode == 2 and key in r.stderr, (broken, r.stdout, r.stderr)
    r = config_check(unpacked, tmp_path, '{"port": 5039,')
    assert r.returncode == 2 and "config.json" in r.stderr, r.stderr
