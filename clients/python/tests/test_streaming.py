"""Streaming (callbacks and async iterators), cancel and package installs with progress."""
import asyncio

import pytest

import codebeaker
from codebeaker import AsyncClient, OutputEvent, ProgressEvent

COUNT = "import time\nfor i in range(5):\n    print(i, flush=True)\n    time.sleep(0.05)"


def test_output_callback_gets_ordered_chunks_before_the_result(cb):
    chunks = []
    with cb.create_session("python") as s:
        r = s.run(COUNT, on_output=chunks.append)
    assert all(isinstance(c, OutputEvent) for c in chunks)
    assert [c.seq for c in chunks] == list(range(len(chunks)))
    assert "".join(c.data for c in chunks if c.stream == "stdout") == "0\n1\n2\n3\n4\n" == r.stdout


def test_sync_iteration_over_a_started_execution(cb):
    with cb.create_session("python") as s:
        ex = s.start("import sys\nprint('out', flush=True)\nprint('err', file=sys.stderr, flush=True)")
        events = list(ex)
        assert sorted((e.stream, e.data) for e in events) == [("stderr", "err\n"), ("stdout", "out\n")]
        assert ex.result().success


def test_async_iterator_and_one_off_run_streaming(server):
    async def main():
        async with AsyncClient(server.url) as cb:
            async with await cb.create_session("python") as s:
                ex = await s.start(COUNT)
                data = [e.data async for e in ex]
                r = await ex.result()
                assert "".join(data) == r.stdout == "0\n1\n2\n3\n4\n"
            seen = []
            r = await cb.run("javascript", "console.log('a'); console.error('b')", on_output=seen.append)
            assert r.success and sorted(e.data for e in seen) == ["a\n", "b\n"], (r, seen)
    asyncio.run(main())


def test_cancel_stops_a_running_execution(cb):
    with cb.create_session("python") as s:
        ex = s.start("print('started', flush=True)\nimport time\ntime.sleep(60)")
        first = next(iter(ex))  # the program is running
        assert first.data == "started\n"
        assert ex.cancel() is True
        r = ex.result()
        assert (r.success, r.cancelled, r.error) == (False, True, "cancelled"), r
        assert ex.cancel() is False  # a late cancel is harmless
        assert s.run("print(1)").stdout == "1\n"  # the session is fine


def test_cancel_right_after_start(cb):
    with cb.create_session("python") as s:
        ex = s.start("import time\ntime.sleep(60)")
        assert ex.cancel() is True
        assert ex.result().cancelled


def test_install_a_local_wheel_with_progress(cb):
    """A tiny wheel built in the sandbox, offline (as Tests/e2e/test_packages.py does), installed by path."""
    with cb.create_session("python", runtimeType="Python") as s:
        s.write_file("src/cbtiny/__init__.py", "GREETING = 'hello from cbtiny'\n")
        s.write_file("src/setup.py", "from setuptools import setup\nsetup(name='cbtiny', version='0.1', packages=['cbtiny'])\n")
        w = s.shell("python3", "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                    "-w", "/workspace/wheels", "/workspace/src", timeout=120)
        assert w.success, w
        events = []
        r = s.install(["./wheels/cbtiny-0.1-py3-none-any.whl"], on_output=events.append, on_progress=events.append)
        assert r.success and {"name": "cbtiny", "version": "0.1"} in r.installed, r
        progress = [e.message for e in events if isinstance(e, ProgressEvent)]
        assert any("cbtiny" in m for m in progress), events
        assert s.run("import cbtiny; print(cbtiny.GREETING)").stdout == "hello from cbtiny\n"


def test_notification_listener_sees_every_notification(cb):
    seen = []
    remove = cb.on_notification(lambda method, params: seen.append(method))
    with cb.create_session("python") as s:
        s.run("print(1)")
    remove()
    assert seen == ["session.output"], seen
    assert isinstance(codebeaker.Client, type)


@pytest.mark.parametrize("which", ["sync", "async"])
def test_on_output_may_be_a_coroutine_in_async_code(server, which):
    if which == "sync":
        with codebeaker.Client(server.url) as cb:
            got = []
            cb.run("python", "print('x')", on_output=got.append)
            assert [e.data for e in got] == ["x\n"]
        return

    async def main():
        got = []

        async def on_output(e):
            got.append(e.data)
        async with AsyncClient(server.url) as cb:
            await cb.run("python", "print('x')", on_output=on_output)
            await asyncio.sleep(0)  # the callback task runs on the next loop turn
        assert got == ["x\n"]
    asyncio.run(main())
