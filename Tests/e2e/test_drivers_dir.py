"""`--drivers-dir` adds to the default drivers directories: a stray or mistyped one never makes the built-in
drivers vanish, and it is visible in the log and in `codebeaker drivers list`."""
import shutil
import subprocess

from conftest import BINARY, BUILD

ROOT = BUILD.parents[1]
EXAMPLE = ROOT / "examples" / "drivers" / "codebeaker-driver-bash"


def drivers_list(*args):
    r = subprocess.run([str(BINARY), "drivers", "list", *args], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r


def rows(stdout):
    return {line.split()[0]: line.split() for line in stdout.splitlines() if line and not line.startswith(" ")}


def test_a_stray_drivers_dir_keeps_the_built_in_drivers_and_is_listed_as_missing():
    r = drivers_list("--drivers-dir", "/nonexistent-cb-drivers")
    assert rows(r.stdout)["python"][1] == "ready", r.stdout
    assert rows(r.stdout)["python"][2] == str((BUILD / "codebeaker-driver-python").resolve()), r.stdout
    missing = [line for line in r.stdout.splitlines() if "/nonexistent-cb-drivers" in line]
    assert len(missing) == 1 and "configured" in missing[0] and "WARNING: not found" in missing[0], r.stdout
    assert "default: beside the binary" in r.stdout
    # The warning is in the log as well (stderr), naming the directory.
    assert any("drivers directory skipped" in line and "/nonexistent-cb-drivers" in line
               for line in r.stderr.splitlines()), r.stderr


def test_a_driver_in_drivers_dir_shadows_the_built_in_one_of_the_same_name(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "codebeaker-driver-python")  # a bash driver posing as "python"
    r = drivers_list("--drivers-dir", str(tmp_path))
    lines = r.stdout.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith("python "))
    assert lines[i].split()[2] == str(tmp_path / "codebeaker-driver-python"), r.stdout
    block = "\n".join(lines[i + 1:i + 4])
    assert f"from: {tmp_path} (configured)" in block, r.stdout
    assert "shadows: " in block and "codebeaker-driver-python" in block.split("shadows: ", 1)[1], r.stdout
    assert any("shadows another" in line and str(tmp_path) in line for line in r.stderr.splitlines()), r.stderr


def test_no_default_drivers_leaves_only_the_given_directory(tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "codebeaker-driver-bash")
    r = drivers_list("--drivers-dir", str(tmp_path), "--no-default-drivers")
    assert set(rows(r.stdout)) == {"DRIVER", "bash", "searched,"}, r.stdout
    assert "default directories not searched" in r.stdout


def test_a_host_started_with_a_stray_drivers_dir_still_serves_python(start_server):
    server = start_server(drivers_dir="/nonexistent-cb-drivers", default_drivers=True)
    assert "/nonexistent-cb-drivers" in server.logs() and "drivers directory skipped" in server.logs()
    c = server.client()
    sid = c.session_when_ready("python")
    r = c.execute(sid, {"type": "execute", "code": "print(6 * 7)"})
    assert r["success"] and r["result"]["stdout"] == "42\n", r
    c.close()


def test_print_config_shows_the_choice():
    r = subprocess.run([str(BINARY), "--print-config", "--no-default-drivers", "--drivers-dir", "/x"],
                       capture_output=True, text=True, timeout=30)
    assert '"defaultDriversDirs":false' in r.stdout.replace(" ", "") and '"/x"' in r.stdout, r.stdout
