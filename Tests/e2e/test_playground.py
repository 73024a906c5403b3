"""The browser playground (issue 18) in a real Chromium against the real host and drivers: run, stream, cancel,
stdin, hostile and huge output, no foreign requests, the keyboard, light and dark, and the JavaScript SDK
imported by the page. Sessions, packages, tokens and a server going away: test_playground_session.py."""
import urllib.request

import pytest

import playground_util as pu

if pu.missing():
    pytest.skip(pu.missing(), allow_module_level=True)

from selenium.common.exceptions import NoAlertPresentException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


pytest_plugins = ["playground_fixtures"]


def test_page_loads_with_a_strict_csp_and_python_picked(page, server):
    with urllib.request.urlopen(page.origin + "/playground", timeout=10) as r:
        csp = r.headers["Content-Security-Policy"]
    assert csp.startswith("default-src 'none';") and "connect-src 'self'" in csp, csp
    assert page.b.current_url == page.origin + "/playground"
    assert page.el("language").get_attribute("value") == "python"
    options = page.b.find_elements(By.CSS_SELECTOR, "#language option")
    assert any("python" in o.text for o in options)
    for o in options:  # unavailable languages are disabled and say why
        if "unavailable" in o.text:
            assert o.get_attribute("disabled"), o.text
    page.wait(lambda: "Drivers" in page.el("server-info").text and "maxOutputBytes" in page.el("server-info").text,
              "the server panel shows drivers and limits")
    assert "Restarts" in page.el("server-info").text
    pu.screenshot(page.b, "loaded")


def test_python_print_with_ctrl_enter_shows_42(page):
    editor = page.el("editor")
    editor.click()
    editor.send_keys(Keys.CONTROL, "a")
    editor.send_keys(Keys.DELETE)
    editor.send_keys("print(6*7)")
    editor.send_keys(Keys.CONTROL, Keys.ENTER)
    page.wait(lambda: page.output().strip() == "42", "42 in the output")
    assert "exit 0" in page.finished()
    pu.screenshot(page.b, "print-42")


def test_output_streams_while_the_run_is_still_going(page):
    # A minute of ticks, so the check below has all the time it needs; the test cancels it once it has seen some.
    page.set_code("import time\nfor i in range(300):\n    print('tick', i, flush=True)\n    time.sleep(0.2)\n")
    page.el("run").click()
    seen = page.wait(lambda: page.b.execute_script(
        "const o = document.getElementById('output').textContent;"
        "return o.includes('tick 2') ? [o, document.getElementById('run-status').textContent,"
        " document.getElementById('cancel').disabled] : null"), "the first ticks stream in")
    assert seen[1] == "Running…" and seen[2] is False, seen  # the lines arrived before the run ended
    page.el("cancel").click()
    assert "cancelled" in page.finished()
    assert "tick 299" not in page.output()


def test_cancel_stops_a_sleep(page):
    page.set_code("import time\nprint('sleeping', flush=True)\ntime.sleep(60)\n")
    page.el("run").click()
    page.wait(lambda: "sleeping" in page.output(), "the program starts")
    page.el("cancel").click()
    assert "cancelled" in page.finished()


STDIN_DEMO = """import sys


def shout(text: str) -> str:
    \"\"\"Upper-cases what arrives on stdin.\"\"\"
    return text.strip().upper() + "!"


for n, line in enumerate(sys.stdin, 1):
    print(f"{n}: {shout(line)}", flush=True)
print("warning: that was loud", file=sys.stderr)  # stderr looks different
"""


def test_timeout_box_stops_a_busy_loop_and_the_result_says_timed_out(page):
    page.el("timeout").send_keys("2")
    try:
        result = page.run("while True:\n    pass\n")
        assert "timed out" in result, result
        assert page.b.find_elements(By.CSS_SELECTOR, "#run-status .flag")
    finally:
        page.el("timeout").clear()


def test_stdin_box_feeds_the_program_and_stderr_is_set_apart(page):
    page.run(STDIN_DEMO, stdin="hello from stdin\nsecond line\n")
    assert "1: HELLO FROM STDIN!\n2: SECOND LINE!" in page.output()
    stderr = page.b.find_elements(By.CSS_SELECTOR, "#output .out-stderr")
    assert [e.text for e in stderr] == ["warning: that was loud"]
    assert stderr[0].value_of_css_property("color") != page.b.find_element(
        By.CSS_SELECTOR, "#output .out-stdout").value_of_css_property("color")
    pu.screenshot(page.b, "stdin-stderr")  # docs/images/playground.png is this one


def test_html_in_output_is_text_not_markup(page):
    page.run("print('<img src=x onerror=\"alert(1)\"><b>bold</b>')\nimport sys\nprint('<script>alert(2)</script>',"
             " file=sys.stderr)\n")
    assert '<img src=x onerror="alert(1)"><b>bold</b>' in page.output()
    assert page.b.find_elements(By.CSS_SELECTOR, "#output img, #output b, #output script") == []
    stderr = page.b.find_elements(By.CSS_SELECTOR, "#output .out-stderr")
    assert stderr and "<script>alert(2)</script>" in stderr[0].text  # stderr is its own, styled span
    with pytest.raises(NoAlertPresentException):
        page.b.switch_to.alert.text


def test_huge_output_is_cut_in_the_view_and_the_page_stays_responsive(page):
    notice = page.el("output-notice")
    # 50 MB in 1 KiB lines; then one 5 MB line.
    for code in ("import sys\nline = 'x' * 1023 + '\\n'\nfor _ in range(51200):\n    sys.stdout.write(line)\n",
                 "print('y' * 5_000_000)\n"):
        page.run(code)
        assert notice.is_displayed() and "truncated" in notice.text, notice.text
        shown = page.b.execute_script("return document.getElementById('output').textContent.length")
        assert 0 < shown <= 200000, shown
    page.b.execute_script("arguments[0].scrollIntoView()", notice)
    pu.screenshot(page.b, "huge-output")
    assert page.run("print('still here')").startswith("exit 0")
    assert page.output().strip() == "still here"


def test_the_page_asks_for_nothing_but_its_own_server(page):
    page.b.get_log("performance")  # drop what came before this page load
    page.load()
    page.run("print(1)")
    hosts = pu.network_hosts(page.b)
    own = f"127.0.0.1:{page.server.port}"
    assert own in hosts and hosts <= {own}, hosts
    names = page.b.execute_script("return performance.getEntries().map((e) => e.name)")
    assert names and all(n.startswith(page.origin + "/") for n in names if "://" in n), names


def test_the_js_sdk_runs_code_in_the_browser(page):
    got = page.b.execute_async_script("""
        const done = arguments[arguments.length - 1];
        (async () => {
          const { CodeBeakerClient, NotFoundError } = await import('/playground/sdk/index.js');
          const cb = await CodeBeakerClient.connect(`ws://${location.host}/ws/jsonrpc`);
          const streamed = [];
          const r = await cb.withSession('python', (s) => s.run('for i in range(3): print(i * 7)',
            { onOutput: (e) => streamed.push(e.data) }));
          let notFound = false;
          try { await cb.session('no-such-session').readFile('x'); } catch (e) { notFound = e instanceof NotFoundError; }
          cb.close();
          return { stdout: r.stdout, exitCode: r.exitCode, streamed: streamed.join(''), notFound };
        })().then(done, (e) => done({ error: String(e) }));
    """)
    assert got == {"stdout": "0\n7\n14\n", "exitCode": 0, "streamed": "0\n7\n14\n", "notFound": True}, got


def test_keyboard_tab_indents_and_escape_tab_leaves_the_editor(page):
    page.set_code("")
    editor = page.el("editor")
    editor.click()
    editor.send_keys("if True:", Keys.ENTER, Keys.TAB, "print(1)")
    assert page.el("editor").get_attribute("value") == "if True:\n    print(1)"
    editor.send_keys(Keys.ESCAPE, Keys.TAB)
    assert page.b.switch_to.active_element.get_attribute("id") != "editor"
    unlabeled = page.b.execute_script(
        "return [...document.querySelectorAll('input, select, textarea, button')].filter((e) =>"
        " !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim()).map((e) => e.id)")
    assert unlabeled == []


def test_editor_text_is_kept_per_language_across_reloads(page):
    page.set_code("print('kept for python')\n")
    page.pick("javascript")
    page.set_code("console.log('kept for javascript');\n")
    page.pick("python")
    assert page.el("editor").get_attribute("value") == "print('kept for python')\n"
    page.load()
    assert page.el("language").get_attribute("value") == "python"
    assert page.el("editor").get_attribute("value") == "print('kept for python')\n"
    page.pick("javascript")
    assert page.el("editor").get_attribute("value") == "console.log('kept for javascript');\n"
    page.pick("python")


TEXT = "h1, h2, label, p, span, pre, td, th, dt, dd, button, li, option, #highlight span"


def test_light_scheme_text_has_aa_contrast(page):
    page.run(STDIN_DEMO, stdin="x\n")
    assert pu.low_contrast(page.b, TEXT) == []


def test_dark_scheme_is_dark_and_readable(page):
    page.b.execute_cdp_cmd("Emulation.setEmulatedMedia",
                           {"features": [{"name": "prefers-color-scheme", "value": "dark"}]})
    try:
        page.run("print('dark')")
        colors = page.b.execute_script(
            "const c = (e, p) => getComputedStyle(e)[p];"
            "return [c(document.body, 'backgroundColor'), c(document.body, 'color')]")
        assert colors == ["rgb(21, 24, 28)", "rgb(230, 233, 237)"], colors
        page.run(STDIN_DEMO, stdin="x\n")
        assert pu.low_contrast(page.b, TEXT) == []
        pu.screenshot(page.b, "dark")
    finally:
        page.b.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": []})
