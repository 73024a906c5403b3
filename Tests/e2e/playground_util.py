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


# Each visible text element's colour and the background it is drawn on (the first opaque one up the tree).
COLOURS_JS = """
const opaque = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor;
  if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; };
return [...document.querySelectorAll(arguments[0])].filter((e) => e.offsetParent && !e.disabled
  && e.textContent.trim()).map((e) => [e.id || e.className || e.tagName, getComputedStyle(e).color, opaque(e)]);
"""


def _luminance(rgb):
    parts = [int(x) / 255 for x in rgb[rgb.index("(") + 1:rgb.index(")")].split(",")[:3]]
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(fg, bg):
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def low_contrast(browser, selector="body *", minimum=4.5):
    """Visible text below the WCAG AA ratio: [(element, ratio)]. Fails if it finds next to nothing to check."""
    seen = browser.execute_script(COLOURS_JS, selector)
    assert len(seen) > 30, seen
    return [(name, round(contrast(fg, bg), 2)) for name, fg, bg in seen if contrast(fg, bg) < minimum]
