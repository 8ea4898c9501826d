"""Helpers of the browser tests: headless Debian Chromium through chromium-driver, page errors
caught from the first script on, whole-page screenshots, and a server's first output line."""
import base64
import os
import shutil
import tempfile
import threading

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

# Collects uncaught errors from the page from its first script on.
CATCH_ERRORS = """
window.__honeErrors = [];
window.addEventListener('error', (e) => window.__honeErrors.push(String(e.message)));
window.addEventListener('unhandledrejection', (e) => window.__honeErrors.push(String(e.reason)));
"""


def first_line(process, timeout):
    """The process's first stdout line (a server's listening URL), or an error after `timeout` s."""
    found = {}

    def read():
        found["line"] = process.stdout.readline()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout)
    if not found.get("line"):
        raise RuntimeError("hone serve did not print its address within %d s" % timeout)
    return found["line"]


def browser():
    """A headless Chromium and its throw-away profile folder (remove it after quit())."""
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("HONE_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-dev-shm-usage", "--window-size=1400,1100"):
        options.add_argument(flag)
    profile = tempfile.mkdtemp(prefix="hone-e2e-profile-")
    options.add_argument("--user-data-dir=" + profile)
    service = Service(os.environ.get("HONE_CHROMEDRIVER", "/usr/bin/chromedriver"))
    driver = webdriver.Chrome(service=service, options=options)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_ERRORS})
    return driver, profile


def screenshot_page(driver, path):
    """The whole page, beyond the window, as a PNG."""
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {
        "format": "png", "captureBeyondViewport": True,
        "clip": {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}})
    with open(path, "wb") as out:
        out.write(base64.b64decode(shot["data"]))


def close_browser(driver, profile):
    """Quits the browser (if it started) and removes its profile folder."""
    if driver:
        driver.quit()
    if profile:
        shutil.rmtree(profile, ignore_errors=True)
