"""Fixtures for the package tests: the .deb files scripts/package.sh builds from the release build (built once by
scripts/test.sh: `swift build -c release --static-swift-stdlib`), at the project's version and at a later one for
the upgrade test."""
import os
import pathlib
import subprocess

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
RELEASE = pathlib.Path(os.environ.get("CODEBEAKER_RELEASE_DIR", ROOT / ".build" / "release"))
PACKAGES = ["codebeaker"] + [f"codebeaker-driver-{d}" for d in ("python", "node", "deno", "bun", "docker", "runtimes")]


def build_debs(out, version=None):
    if not (RELEASE / "codebeaker").exists():
        raise RuntimeError(f"{RELEASE}/codebeaker not found: swift build -c release --static-swift-stdlib first")
    cmd = ["bash", str(ROOT / "scripts" / "package.sh"), "--build-dir", str(RELEASE), "--out", str(out), "--fast"]
    if version:
        cmd += ["--version", version]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stdout + r.stderr
    debs = {}
    for f in sorted(out.glob("*.deb")):
        debs[f.name.split("_")[0]] = f
    assert sorted(debs) == sorted(PACKAGES), debs
    return debs


def version():
    """The Debian version of packaging/changelog's top entry (scripts/package.sh checks it is the project's)."""
    first = (ROOT / "packaging" / "changelog").read_text().splitlines()[0]
    return first.split("(", 1)[1].split(")", 1)[0]


@pytest.fixture(scope="session")
def debs(tmp_path_factory):
    return build_debs(tmp_path_factory.mktemp("debs"))


@pytest.fixture(scope="session")
def newer_debs(tmp_path_factory):
    upstream, revision = version().rsplit("-", 1)
    return build_debs(tmp_path_factory.mktemp("debs-newer"), f"{upstream}-{int(revision) + 1}")


@pytest.fixture(scope="session")
def unpacked(debs, tmp_path_factory):
    """Every package's files extracted into one root, as a system with all of them installed would have them."""
    root = tmp_path_factory.mktemp("root")
    for deb in debs.values():
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True, timeout=300)
    return root
