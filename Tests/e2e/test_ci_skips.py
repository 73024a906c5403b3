"""Under CI=true a skipped Swift test fails the run (scripts/check-swift-skips.sh, run by scripts/test.sh on the
`swift test` log), as a skipped e2e test does (conftest.py); locally skips only show."""
import os
import pathlib
import subprocess

CHECK = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "check-swift-skips.sh"

PASSING = """◇ Suite RealDriver started.
✔ Test aWorkspaceIsItsOwnVolumeOfTheQuotaSize() passed after 0.2 seconds.
Test Case 'RunnerTests.testEcho' passed (0.01 seconds)
"""
SWIFT_TESTING_SKIP = PASSING + '➜ Test pythonDriver_Killed() skipped: "codebeaker-driver-python not built"\n'
SUITE_SKIP = PASSING + '➜ Suite DockerEngineIntegrationTests skipped: "no Docker daemon socket"\n'
XCTEST_SKIP = PASSING + "Test Case 'RunnerTests.testDocker' skipped (0.001 seconds)\n"


def check(tmp_path, log, ci):
    path = tmp_path / "swift-test.log"
    path.write_text(log)
    env = dict(os.environ)
    env.pop("CI", None)
    if ci:
        env["CI"] = "true"
    return subprocess.run(["bash", str(CHECK), str(path)], env=env, capture_output=True, text=True, timeout=30)


def test_a_skipped_swift_test_fails_a_ci_run_and_is_named(tmp_path):
    for log, name in [(SWIFT_TESTING_SKIP, "pythonDriver_Killed()"), (SUITE_SKIP, "DockerEngineIntegrationTests"),
                      (XCTEST_SKIP, "RunnerTests.testDocker")]:
        r = check(tmp_path, log, ci=True)
        assert r.returncode == 1 and name in r.stderr, (log, r.stderr)


def test_no_skip_or_no_ci_passes(tmp_path):
    assert check(tmp_path, PASSING, ci=True).returncode == 0
    assert check(tmp_path, SWIFT_TESTING_SKIP, ci=False).returncode == 0
