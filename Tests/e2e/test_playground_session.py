"""The browser playground (issue 18), continued: a session's Files panel, the packages box, a compile error, the
token prompt, a server that goes away, and a page under a non-loopback name."""
import os
import pathlib

import pytest

import playground_util as pu

if pu.missing():
    pytest.skip(pu.missing(), allow_module_level=True)

from playground_page import Page  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


pytest_plugins = ["playground_fixtures"]


def test_session_keeps_state_and_the_files_panel_lists_reads_edits_uploads_deletes(page, tmp_path):
    page.run("x = 41\n")  # one-shot runs share nothing
    assert "exit 1" in page.run("print(x + 1)") and "NameError" in page.output()
    page.open_session()
    page.run("open('hello.txt', 'w').write('from the session')\nx = 41\n")
    assert page.run("print(x + 1)").startswith("exit 0") and page.output().strip() == "42"  # state persists
    link = page.wait(lambda: next((b for b in page.b.find_elements(By.CSS_SELECTOR, "#file-list button")
                                   if b.text == "hello.txt"), None), "hello.txt listed")
    link.click()
    page.wait(lambda: page.el("file-content").get_attribute("value") == "from the session", "the file read back")
    page.b.execute_script("document.getElementById('file-content').value = 'edited in the browser'")
    page.el("file-save").click()
    page.wait(lambda: "Saved hello.txt" in page.el("files-status").text, "saved")
    page.run("print(open('hello.txt').read())")
    assert page.output().strip() == "edited in the browser"
    upload = tmp_path / "upload.txt"
    upload.write_text("uploaded bytes")
    page.el("file-upload").send_keys(str(upload))
    page.wait(lambda: "upload.txt" in page.el("file-list").text, "the upload listed")
    pu.screenshot(page.b, "session-files")
    page.el("file-path").clear()
    page.el("file-path").send_keys("hello.txt")
    page.el("file-delete").click()
    page.wait(lambda: "Deleted hello.txt" in page.el("files-status").text
              and "hello.txt" not in page.el("file-list").text, "hello.txt deleted")


WHEEL = """import zipfile
meta = {'cbtiny/__init__.py': 'GREETING = "hello from cbtiny"\\n',
        'cbtiny-0.1.dist-info/METADATA': 'Metadata-Version: 2.1\\nName: cbtiny\\nVersion: 0.1\\n',
        'cbtiny-0.1.dist-info/WHEEL': 'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n'}
meta['cbtiny-0.1.dist-info/RECORD'] = ''.join(f'{k},,\\n' for k in meta) + 'cbtiny-0.1.dist-info/RECORD,,\\n'
with zipfile.ZipFile('cbtiny-0.1-py3-none-any.whl', 'w') as z:
    for name, text in meta.items():
        z.writestr(name, text)
print('wheel built')
"""


def test_packages_box_installs_a_local_wheel_with_progress_lines(page):
    page.open_session()
    assert "wheel built" in (page.run(WHEEL) and page.output())
    page.el("packages").send_keys("./cbtiny-0.1-py3-none-any.whl")
    page.el("install").click()
    log = page.wait(lambda: "Installed: cbtiny 0.1" in page.el("install-log").text and page.el("install-log").text,
                    "the install finishes")
    lines = [line for line in log.splitlines() if line.strip()]
    assert len(lines) >= 3, lines  # "Installing …", the streamed progress, "Installed: …"
    pu.screenshot(page.b, "packages")
    page.run("import cbtiny\nprint(cbtiny.GREETING)\n")
    assert page.output().strip() == "hello from cbtiny"


def test_compile_error_in_c_is_shown_on_stderr(page):
    c = page.b.execute_script("const o = [...document.querySelectorAll('#language option')]"
                              ".find((o) => o.value === 'c'); return o ? !o.disabled : null")
    if not c:
        pytest.skip("the runtimes driver has no available c language here (docs/runtimes.md; gcc)")
    page.pick("c")
    result = page.run("int main(void) { return undeclared_name; }\n")
    assert "exit 0" not in result, result
    stderr = " ".join(e.text for e in page.b.find_elements(By.CSS_SELECTOR, "#output .out-stderr"))
    assert "undeclared_name" in stderr and "error" in stderr, stderr
    pu.screenshot(page.b, "c-compile-error")
    page.pick("python")


def test_token_prompt_against_a_server_with_tokens(browser, start_server):
    token = "pg-" + os.urandom(12).hex()
    s = start_server(env={"CODEBEAKER_TOKENS": f"alice:{token}"})
    page = Page(browser, s)
    browser.get(page.origin + "/playground")
    page.wait(lambda: page.el("token-box").is_displayed(), "the token prompt")
    pu.screenshot(browser, "token-prompt")
    page.el("token-input").send_keys("wrong-token", Keys.ENTER)
    page.wait(lambda: "refused" in page.el("token-error").text, "a refused token says so")
    page.el("token-input").send_keys(token, Keys.ENTER)
    page.wait(lambda: page.el("conn-status").text == "Connected", "connected with the token")
    page.run("print(6*7)")
    assert page.output().strip() == "42"
    assert token not in browser.current_url
    stored = browser.execute_script("return [sessionStorage.getItem('codebeaker.playground.token'),"
                                    " JSON.stringify(localStorage)]")
    assert stored[0] == token and token not in stored[1]
    # A server gone is not a refused token: the banner shows, the token stays, no prompt.
    s.proc.terminate()
    s.proc.wait(timeout=30)
    page.wait(lambda: page.el("banner").is_displayed(), "the reconnect banner")
    page.wait(lambda: "Cannot reach" in page.el("banner").text, "a failed reconnect attempt")
    assert not page.el("token-box").is_displayed()
    assert browser.execute_script("return sessionStorage.getItem('codebeaker.playground.token')") == token


def test_a_server_that_goes_away_shows_the_reconnect_banner(browser, start_server):
    s = start_server()
    page = Page(browser, s).load()
    assert not page.el("banner").is_displayed()
    s.proc.terminate()
    s.proc.wait(timeout=30)
    page.wait(lambda: page.el("banner").is_displayed(), "the reconnect banner")
    assert "lost" in page.el("banner").text and page.el("run").get_attribute("disabled")
    pu.screenshot(browser, "server-gone")


def test_a_page_under_a_non_loopback_name_is_accepted_as_same_origin(start_server):
    """Origin http://pg.example:PORT equals the Host the server allows: accepted though not loopback (the
    same-origin rule of docs/security.md). The name resolves to 127.0.0.1 inside this browser only."""
    s = start_server("--allowed-host", "pg.example")
    b = pu.start_browser("--host-resolver-rules=MAP pg.example 127.0.0.1")
    try:
        page = Page(b, s)
        page.origin = f"http://pg.example:{s.port}"
        page.load()
        page.run("print(6*7)")
        assert page.output().strip() == "42"
        assert pu.network_hosts(b) <= {f"pg.example:{s.port}"}
    finally:
        b.quit()


def test_a_session_closed_on_the_server_is_replaced_on_the_next_run(page, server):
    page.open_session()
    sid = page.el("session-info").text.split()[1]
    c = server.client()
    try:
        assert c.call("session.close", {"sessionId": sid})["closed"] is True
    finally:
        c.close()
    assert "the session is gone" in page.run("print(1)")
    page.run("print('fresh')")
    assert page.output().strip() == "fresh"
    assert page.el("session-info").text.split()[1] != sid


def test_unavailable_languages_are_greyed_out_with_their_reason(browser, start_server):
    broken = pathlib.Path(__file__).resolve().parents[1] / "Fixtures" / "runtimes" / "broken"
    s = start_server(env={"CODEBEAKER_RUNTIMES_DIRS": str(broken)})
    page = Page(browser, s).load()
    option = page.wait(lambda: next((o for o in page.b.find_elements(By.CSS_SELECTOR, "#language option")
                                     if o.get_attribute("value") == "brokenlang"), None), "brokenlang listed")
    assert option.get_attribute("disabled")
    assert "unavailable" in option.text and "brokenlang.json" in option.text, option.text
    assert option.value_of_css_property("color") != page.b.find_element(
        By.CSS_SELECTOR, "#language option[value=python]").value_of_css_property("color")
    assert page.el("language").get_attribute("value") == "python"
