#!/usr/bin/python3
"""End-to-end: the live dashboard in headless Chromium while hone load sends traffic.

Debian's own packages drive the browser: python3-selenium with chromium-driver (whose version
always matches Debian's chromium), so the test needs no Node.js at all and runs the same on a
plain Debian 12. The charts must fill with data; a screenshot is kept.

Usage: /usr/bin/python3 dashboard_test.py HONE MODELS_DIR SCREENSHOT.png
Environment: HONE_CHROMIUM (default /usr/bin/chromium), HONE_CHROMEDRIVER (/usr/bin/chromedriver).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

from e2e_support import browser, close_browser, first_line, screenshot_page

SCENARIO = """base_url: {base}
rate: 200
duration: 30s
endpoints:
  - path: /v2/models/ceramic-armor/infer
    weight: 3
    body: '{{"inputs":[{{"name":"features","datatype":"FP32","shape":[1,12],"data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,{{{{v}}}}]}}]}}'
    data: {{file: rows.csv, order: random}}
  - path: /v1/models/fraud-detector:predict
    body: '{{"instances":[[{{{{v}}}},1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29]]}}'
    data: {{file: rows.csv, order: random}}
"""

SEEN = """
const rows = document.querySelectorAll('#models tbody tr');
return {
  points: window.honeDashboard.points,
  updates: window.honeDashboard.updates,
  rps: Number(document.getElementById('tile-rps').textContent),
  status: document.getElementById('status').textContent,
  models: rows.length,
  canvases: document.querySelectorAll('.charts canvas').length,
  requests: Array.from(document.querySelectorAll('#models tbody tr td:nth-child(3)'),
                       (td) => Number(td.textContent)),
  batchRows: Number(document.querySelector('#models tbody tr td:nth-child(10)').textContent),
  lastSecond: Array.from(document.querySelectorAll('#models tbody tr td:nth-child(14)'),
                         (td) => td.textContent),
  errors: window.__honeErrors || [],
};
"""

READY = """
return !!(window.honeDashboard && window.honeDashboard.points >= 4 &&
          Number(document.getElementById('tile-rps').textContent) > 0);
"""


def wait_for(driver, script, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if driver.execute_script(script):
            return
        time.sleep(0.2)
    raise RuntimeError("the dashboard did not show 4 seconds of traffic within %d s" % timeout)


def check(seen):
    problems = []
    if seen["errors"]:
        problems.append("page errors: " + "; ".join(seen["errors"]))
    if seen["status"] != "ready":
        problems.append("status badge says " + seen["status"])
    if seen["models"] != 2:
        problems.append("model table has %d rows" % seen["models"])
    if seen["canvases"] < 6:
        problems.append("only %d charts drew" % seen["canvases"])
    if not 100 <= seen["rps"] <= 300:
        problems.append("tile shows %s requests/s for a 200/s load" % seen["rps"])
    if len(seen["requests"]) != 2 or not all(n > 0 for n in seen["requests"]):
        problems.append("the model table counts requests %s" % seen["requests"])
    if len(seen["lastSecond"]) != 2 or not any(text.isdigit() and int(text) > 0
                                                for text in seen["lastSecond"]):
        problems.append("the model table's last-second column shows %s" % seen["lastSecond"])
    if not seen["batchRows"] >= 1:
        problems.append("batch rows %s: no computed batch recorded" % seen["batchRows"])
    return problems


def main():
    hone, models, screenshot = sys.argv[1:4]
    server = subprocess.Popen([hone, "serve", "--models", models, "--port", "0", "--threads", "1"],
                              stdout=subprocess.PIPE, text=True)
    work = tempfile.mkdtemp(prefix="hone-e2e-")
    load = driver = profile = None
    try:
        port = re.search(r"http://[^ ]*:(\d+)", first_line(server, 30)).group(1)
        base = "http://127.0.0.1:" + port
        # Both models, with varied rows (a CSV of 500), so that answers are computed and batched,
        # not only served from the cache.
        with open(os.path.join(work, "rows.csv"), "w") as rows:
            rows.write("v\n" + "".join("%s\n" % (i / 10) for i in range(500)))
        with open(os.path.join(work, "scenario.yaml"), "w") as scenario:
            scenario.write(SCENARIO.format(base=base))
        load = subprocess.Popen([hone, "load", "--scenario", os.path.join(work, "scenario.yaml"),
                                 "--quiet", "--threads", "1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        driver, profile = browser()
        driver.get(base + "/dashboard")
        wait_for(driver, READY, 30)
        seen = driver.execute_script(SEEN)
        screenshot_page(driver, screenshot)  # the whole page, the model table included
        print(seen)
        problems = check(seen)
        for problem in problems:
            print("FAIL: " + problem, file=sys.stderr)
        return 1 if problems else 0
    except Exception as error:  # any failure of the run is the test's failure, with its reason
        print("FAIL: %s" % error, file=sys.stderr)
        return 1
    finally:
        close_browser(driver, profile)
        if load:
            load.kill()
            load.wait()
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
