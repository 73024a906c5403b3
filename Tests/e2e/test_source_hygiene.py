"""The drivers and libraries name no dev-machine location: runtimes are found via PATH, the system directories
and the env overrides (RuntimeLocator), never under a user's home or a pyenv tree."""
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2]
DEV_PATHS = re.compile(r'"/root/|\.pyenv|"/home/')


def test_no_swift_source_names_a_dev_machine_path():
    hits = [f"{f.relative_to(ROOT)}:{n}: {line.strip()}"
            for top in ("Sources", "Drivers") for f in (ROOT / top).rglob("*.swift")
            for n, line in enumerate(f.read_text().splitlines(), 1) if DEV_PATHS.search(line)]
    assert not hits, hits
