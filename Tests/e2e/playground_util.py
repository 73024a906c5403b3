"""A real Chromium (Debian's chromium + chromium-driver) driven by Selenium, for the playground tests.

SE_OFFLINE=true is set before Selenium starts and the browser and driver paths are given explicitly, so
Selenium Manager never downloads a driver or sends statistics."""
import importlib.util
import json
import os
import pathlib
import shutil
from urllib.parse import urlsplit

os.environ["SE_OFFLINE"] = "true"

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WAIT = 60  # generous: CI machines are slow and shared; a wait ends as soon as its condition holds
ARTIFACTS = pathlib.Path(os.environ.get("CODEBEAKER_ARTIFACTS_DIR",
                                        pathlib.Path(__file__).resolve().parents[2] / ".build" / "test-artifacts"))


def missing():
    """Why a browser cannot start here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not shutil.which(path):
            return f"{path} is missing (apt chromium chromium-driver; scripts/setup.sh --test)"
    if importlib.util.find_spec("selenium") is None:
        return "selenium is not installed (scripts/setup.sh --test)"
    return None


def start_browser(*extra_args):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--disable-default-apps", "--disable-features=MediaRouter,OptimizationHints",
                *extra_args):
        opts.add_argument(arg)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    return webdriver.Chrome(options=opts, service=Service(CHROMEDRIVER))


def screenshot(browser, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / f"playground-{name}.png"))


def network_hosts(browser):
    """Every host:port the page asked for, from the DevTools network log (HTTP and WebSocket)."""
    hosts = set()
    for entry in browser.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            url = msg["params"]["request"]["url"]
        elif msg["method"] == "Network.webSocketCreated":
            url = msg["params"]["url"]
        else:
            continue
        if url.startswith(("data:", "blob:", "about:")):
            hosts.add(url.split(":", 1)[0] + ":")
            continue
        hosts.add(urlsplit(url).netloc)
    return hosts
