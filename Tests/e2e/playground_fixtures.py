"""The playground tests' fixtures (loaded with `pytest_plugins`): one Chromium per test module and a page on the
shared server that closes its session after each test."""
import pytest

import playground_util as pu


@pytest.fixture(scope="module")
def browser():
    b = pu.start_browser()
    yield b
    b.quit()


@pytest.fixture
def page(browser, server):
    from playground_page import Page
    browser.get("about:blank")
    p = Page(browser, server).load()
    yield p
    p.close_session()  # sessions outlive the page's connection; the shared server keeps no leftovers
