"""The node, deno and bun runners as embedded files (docs/architecture.md, "Runner programs"): each imports the
shared control reader (control.mjs) next to it in /opt/codebeaker, and an error a program throws from a callback
shows the program's frames, never the runner's files."""
import pytest

from test_deno_bun_drivers import open_session, run, start, workspace

LANGUAGE = {"node": "javascript", "deno": "typescript", "bun": "typescript"}


@pytest.fixture(params=["node", "deno", "bun"])
def js(request):
    d = start(request.param)
    yield request.param, d
    d.close()


def test_a_late_error_shows_the_programs_frames_not_the_runners(js):
    name, d = js
    open_session(d, "s1", workspace(), language=LANGUAGE[name])
    # Thrown from inside the runner's timer wrapper: its frame sits between the program and the event loop.
    r = run(d, "s1", "setTimeout(() => { throw new Error('late boom'); }, 1);")
    assert r["exitCode"] == 1 and "late boom" in r["stderr"], r
    assert "/opt/codebeaker/" not in r["stderr"], r["stderr"]
    assert run(d, "s1", "console.log('next')")["stdout"] == "next\n"


def test_jobs_and_cancels_arrive_through_the_shared_reader(js):
    name, d = js
    open_session(d, "s1", workspace(), language=LANGUAGE[name])
    rid = d.send("execute", {"session": "s1", "code": "console.log('started'); setInterval(() => {}, 1000);",
                             "timeoutMs": 60000, "stream": True})
    # The runner is running the job once its first output arrives; then the cancel goes to the runner.
    while True:
        m = d.read_message(timeout=30)
        assert m.get("method") == "output", m
        if "started" in m["params"]["data"]:
            break
    cancel = d.send("cancel", {"request": rid})
    r = d.wait(rid, timeout=30)
    assert r["result"]["cancelled"] is True, r
    assert d.wait(cancel, timeout=30)["result"] == {"cancelled": True}
    assert run(d, "s1", "console.log('after cancel')")["stdout"] == "after cancel\n"
