"""The playground page as the tests drive it (Selenium; import after playground_util.missing() is None)."""
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

import playground_util as pu


class Page:
    def __init__(self, browser, server):
        self.b, self.server = browser, server
        self.origin = f"http://127.0.0.1:{server.port}"

    def el(self, id_):
        return self.b.find_element(By.ID, id_)

    def wait(self, pred, what, timeout=pu.WAIT):
        return WebDriverWait(self.b, timeout, poll_frequency=0.05).until(lambda _: pred(), message=what)

    def load(self):
        self.b.get(self.origin + "/")
        self.wait(lambda: self.el("conn-status").text == "Connected" and not self.el("run").get_attribute("disabled"),
                  "the page connects and enables Run")
        return self

    def set_code(self, code):
        self.b.execute_script("const t = document.getElementById('editor'); t.value = arguments[0];"
                              "t.dispatchEvent(new Event('input'));", code)

    def output(self):
        return self.el("output").text

    def status(self):
        return self.el("run-status").text

    def run(self, code=None, stdin=""):
        if code is not None:
            self.set_code(code)
        self.b.execute_script("document.getElementById('stdin').value = arguments[0]", stdin)
        self.el("run").click()
        return self.finished()

    def finished(self):
        return self.wait(lambda: self.el("run").is_enabled() and ("ms" in self.status() or "Failed" in self.status())
                         and self.status(), "the run ends with a result line")

    def pick(self, language):
        self.b.execute_script("const s = document.getElementById('language'); s.value = arguments[0];"
                              "s.dispatchEvent(new Event('change'));", language)

    def close_session(self):
        if self.b.current_url.startswith(self.origin) and self.el("session-toggle").is_selected():
            self.el("session-toggle").click()
            self.wait(lambda: self.el("session-info").text == "", "the session closes")

    def open_session(self):
        self.el("session-toggle").click()
        self.wait(lambda: "session " in self.el("session-info").text, "a session opens")
