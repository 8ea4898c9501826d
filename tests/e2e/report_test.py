#!/usr/bin/python3
"""End-to-end: hone's HTML reports in headless Chromium, opened from disk.

Two real runs against hone serve (scraped with --metrics-url) become three reports: one run, two
runs overlaid, and a comparison. Each must open with no page error and no network, and every
chart must hold as many points as the page's own data has; a screenshot of each is kept.

Usage: /usr/bin/python3 report_test.py HONE MODELS_DIR SCREENSHOT_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

from e2e_support import browser, close_browser, first_line, screenshot_page

SCENARIO = """base_url: {base}
rate: 150
duration: 4s
metrics_url: /metrics
endpoints:
  - name: armor
    path: /v2/models/ceramic-armor/infer
    body: '{{"inputs":[{{"name":"features","datatype":"FP32","shape":[1,12],"data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,{{{{v}}}}]}}]}}'
    data: {{file: rows.csv, order: random}}
  - name: fraud
    path: /v1/models/fraud-detector:predict
    body: '{{"instances":[[{{{{v}}}},1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29]]}}'
    data: {{file: rows.csv, order: random}}
"""

# Two configurations (cache off and on) at two rates; short points.
SWEEP = """target:
  serve: {{models: {models}, args: [--threads, "1"]}}
parameters:
  model.cache.enabled: [false, true]
load:
  scenario: {scenario}
  rates: [100, 200]
slo: "p99 < 100ms"
stability: {{window: 1s, windows: 2, tolerance: 50%, max_time: 5s}}
out: {out}
"""

SEEN = "return {charts: window.honeReport.charts, errors: (window.__honeErrors || [])" \
       ".concat(window.honeReport.errors), canvases: document.querySelectorAll('canvas').length," \
       " sections: Array.from(document.querySelectorAll('h2'), (h) => h.textContent)};"


def page_data(path):
    with open(path) as page:
        html = page.read()
    blob = re.search(r'<script id="hone-data" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(blob.group(1).replace("<\\/", "</")), html


def expected_charts(data):
    """(title prefix, points) of each chart, in the order the page draws them."""
    runs = data["runs"]
    out = []
    union = lambda lists: len(set(x for values in lists for x in values))
    if data.get("sweep"):
        points = [[p["rps"] for p in c["points"]] for c in data["sweep"]["configurations"]]
        out.append(("Throughput and p99 latency", union(points)))
    if not runs:
        return out
    times = union([r["timeline"]["t"] for r in runs])
    out += [("Requests and errors per second", times), ("Latency per second", times)]
    names = []
    for run in runs:
        for endpoint in run["endpoints"]:
            if endpoint["name"] not in names:
                names.append(endpoint["name"])
    for name in names:
        xs = [e["spectrum"]["x"] for r in runs for e in r["endpoints"]
              if e["name"] == name and e["spectrum"]["x"]]
        if xs:
            out.append(("Endpoint " + name, union(xs)))
    for run in runs:
        for chart in (run.get("server") or {}).get("charts", []):
            prefix = (run["name"] + ": " if len(runs) > 1 else "") + chart["title"]
            out.append((prefix, len(chart["t"])))
    return out


def check(name, data, html, seen):
    problems = []
    if seen["errors"]:
        problems.append(name + ": page errors: " + "; ".join(seen["errors"]))
    if re.search(r'(src|href)="https?:', html):
        problems.append(name + ": the page loads something from the network")
    expected = expected_charts(data)
    drawn = [(c["title"], c["points"]) for c in seen["charts"]]
    if len(drawn) != len(expected):
        problems.append("%s: %d charts drawn, %d expected" % (name, len(drawn), len(expected)))
    for (title, points), (want_title, want_points) in zip(drawn, expected):
        if not title.startswith(want_title) or points != want_points:
            problems.append("%s: chart '%s' holds %d points; '%s' should hold %d"
                            % (name, title, points, want_title, want_points))
        if points == 0:
            problems.append("%s: chart '%s' is empty" % (name, title))
    if seen["canvases"] < len(expected):
        problems.append("%s: %d canvases for %d charts" % (name, seen["canvases"], len(expected)))
    return problems


def main():
    hone, models, shots = sys.argv[1:4]
    os.makedirs(shots, exist_ok=True)
    server = subprocess.Popen([hone, "serve", "--models", models, "--port", "0", "--threads", "1"],
                              stdout=subprocess.PIPE, text=True)
    work = tempfile.mkdtemp(prefix="hone-e2e-report-")
    driver = profile = None
    try:
        port = re.search(r"http://[^ ]*:(\d+)", first_line(server, 30)).group(1)
        with open(os.path.join(work, "rows.csv"), "w") as rows:
            rows.write("v\n" + "".join("%s\n" % (i / 10) for i in range(300)))
        with open(os.path.join(work, "scenario.yaml"), "w") as scenario:
            scenario.write(SCENARIO.format(base="http://127.0.0.1:" + port))
        results = []
        for name in ("a.json", "b.json"):
            path = os.path.join(work, name)
            subprocess.run([hone, "load", "--scenario", os.path.join(work, "scenario.yaml"),
                            "--quiet", "--threads", "1", "--out", path], check=True,
                           stdout=subprocess.DEVNULL)
            results.append(path)
        with open(os.path.join(work, "sweep.yaml"), "w") as sweep:
            sweep.write(SWEEP.format(models=models, scenario=os.path.join(work, "sweep-scenario.yaml"),
                                     out=os.path.join(work, "sweep-out")))
        with open(os.path.join(work, "sweep-scenario.yaml"), "w") as scenario:
            # The scenario without its base_url, rate and duration: the sweep sets those.
            scenario.write("endpoints:" + SCENARIO.split("endpoints:")[1].format())
        subprocess.run([hone, "sweep", os.path.join(work, "sweep.yaml")], check=True,
                       stdout=subprocess.DEVNULL)
        pages = {
            "single": [hone, "report", results[0]],
            "several": [hone, "report", results[0], results[1]],
            "compare": [hone, "report", "compare", results[0], results[1]],
            "sweep": None,
        }
        problems = []
        driver, profile = browser()
        for name, command in pages.items():
            page = os.path.join(work, name + ".html")
            if command is None:
                page = os.path.join(work, "sweep-out", "sweep.html")
            else:
                subprocess.run(command + ["--html", page], check=True, stdout=subprocess.DEVNULL)
            data, html = page_data(page)
            driver.get("file://" + page)
            seen = driver.execute_script(SEEN)
            screenshot_page(driver, os.path.join(shots, "e2e-report-%s.png" % name))
            print(name, [(c["title"], c["points"]) for c in seen["charts"]], seen["sections"])
            problems += check(name, data, html, seen)
            if name == "compare" and "Comparison" not in seen["sections"]:
                problems.append("compare: no Comparison section")
            wanted = ["Sweep"] if name == "sweep" else ["Analysis", "Server side"]
            if any(section not in seen["sections"] for section in wanted):
                problems.append(name + ": sections are %s" % seen["sections"])
        for problem in problems:
            print("FAIL: " + problem, file=sys.stderr)
        return 1 if problems else 0
    except Exception as error:  # any failure of the run is the test's failure, with its reason
        print("FAIL: %s" % error, file=sys.stderr)
        return 1
    finally:
        close_browser(driver, profile)
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
