"""The deno and bun runners read their files from a directory only this build's version is written to
(Sources/DriverKit/Sandbox/VersionedFiles.swift). They used to share /var/lib/codebeaker/runners/<name>/ with every
other CodeBeaker build on the host, rewritten at each session open: another build's control.mjs next to this
build's runner made a starting deno exit on an import error, and the session's first execution failed with
"the deno runner failed to start (killed by signal 9)" (seen under load in test_attacks_resources).

Here another build is simulated by a thread that keeps renaming other content over the shared directory's
files while sessions start. It restores what was there afterwards."""
import os
import threading

import pytest

from test_deno_bun_drivers import open_session, run, start, workspace

SHARED = "/var/lib/codebeaker/runners"
LANGUAGE = {"deno": "typescript", "bun": "typescript"}


class OtherBuild:
    """Rewrites every file directly in `directory` with other content, as another build's session opens would."""

    def __init__(self, directory):
        self.directory = directory
        self.stop = threading.Event()
        self.saved = {}
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def __enter__(self):
        os.makedirs(self.directory, exist_ok=True)
        for n in os.listdir(self.directory):
            p = os.path.join(self.directory, n)
            if os.path.isfile(p) and ".tmp." not in n:
                with open(p, "rb") as f:
                    self.saved[n] = f.read()
        for n in ("control.mjs", "deno-runner.ts", "deno-control.mjs", "bun-runner.ts", "bun-control.mjs"):
            self.saved.setdefault(n, None)
        self.thread.start()
        return self

    def loop(self):
        while not self.stop.is_set():
            for n in self.saved:
                self.put(n, b"throw new Error('a different build of the runner files');\n")
            self.stop.wait(0.005)

    def put(self, name, data):
        tmp = os.path.join(self.directory, name + ".tmp.otherbuild")
        with open(tmp, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.rename(tmp, os.path.join(self.directory, name))

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        for n, data in self.saved.items():
            if data is None:
                os.unlink(os.path.join(self.directory, n))
            else:
                self.put(n, data)


@pytest.mark.parametrize("name", ["deno", "bun"])
def test_another_builds_runner_files_do_not_reach_a_starting_runner(name):
    d = start(name)
    try:
        with OtherBuild(os.path.join(SHARED, name)):
            for i in range(6):
                sid = f"s{i}"
                open_session(d, sid, workspace(), language=LANGUAGE[name])
                r = run(d, sid, "console.log(1)")
                assert r["exitCode"] == 0 and r["stdout"] == "1\n", (i, r)
                d.call("session.close", {"session": sid})
    finally:
        d.close()
