// End-to-end: the live dashboard in headless Chromium (Debian's, driven by playwright-core)
// while hone load sends traffic; the charts must fill with data. Keeps a screenshot.
// Usage: node dashboard.test.mjs HONE MODELS_DIR SCREENSHOT.png (Playwright gives Chromium a
// fresh profile of its own each launch.)
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const [hone, models, screenshot] = process.argv.slice(2);
const { chromium } = require(join(process.env.HONE_WEB_DIR, "node_modules", "playwright-core"));

function fail(message) {
  console.error("FAIL: " + message);
  process.exitCode = 1;
}

function firstLine(child) {
  return new Promise((resolve, reject) => {
    let text = "";
    const timer = setTimeout(() => reject(new Error("hone serve did not start")), 30000);
    child.stdout.on("data", (chunk) => {
      text += chunk;
      const newline = text.indexOf("\n");
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(text.slice(0, newline));
      }
    });
  });
}

const server = spawn(hone, ["serve", "--models", models, "--port", "0", "--threads", "1"], { stdio: ["ignore", "pipe", "inherit"] });
let load;
let browser;
let work;
try {
  const line = await firstLine(server);
  const port = Number(line.match(/http:\/\/[^:]+:(\d+)/)[1]);
  const base = `http://127.0.0.1:${port}`;
  // Both models, with varied rows (a CSV of 500), so that answers are computed and batched, not
  // only served from the cache.
  work = mkdtempSync(join(tmpdir(), "hone-e2e-"));
  const rows = ["v"].concat(Array.from({ length: 500 }, (_, i) => String(i / 10))).join("\n");
  writeFileSync(join(work, "rows.csv"), rows + "\n");
  writeFileSync(join(work, "scenario.yaml"), `base_url: ${base}
rate: 200
duration: 30s
endpoints:
  - path: /v2/models/ceramic-armor/infer
    weight: 3
    body: '{"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,{{v}}]}]}'
    data: {file: rows.csv, order: random}
  - path: /v1/models/fraud-detector:predict
    body: '{"instances":[[{{v}},1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29]]}'
    data: {file: rows.csv, order: random}
`);
  load = spawn(hone, ["load", "--scenario", join(work, "scenario.yaml"), "--quiet", "--threads", "1"],
    { stdio: "ignore" });
  browser = await chromium.launch({
    executablePath: process.env.HONE_CHROMIUM || "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1100 } });
  const problems = [];
  page.on("pageerror", (error) => problems.push(error.message));
  await page.goto(`${base}/dashboard`);
  // At least four seconds of traffic in the charts.
  await page.waitForFunction(() => window.honeDashboard && window.honeDashboard.points >= 4 &&
    Number(document.getElementById("tile-rps").textContent) > 0, null, { timeout: 30000 });
  const seen = await page.evaluate(() => ({
    points: window.honeDashboard.points,
    updates: window.honeDashboard.updates,
    rps: Number(document.getElementById("tile-rps").textContent),
    status: document.getElementById("status").textContent,
    models: document.querySelectorAll("#models tbody tr").length,
    canvases: document.querySelectorAll(".charts canvas").length,
    requests: Array.from(document.querySelectorAll("#models tbody tr td:nth-child(3)"), (td) => Number(td.textContent)),
    batchRows: Number(document.querySelector("#models tbody tr td:nth-child(10)").textContent),
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  console.log(JSON.stringify(seen));
  if (problems.length) fail("page errors: " + problems.join("; "));
  if (seen.status !== "ready") fail("status badge says " + seen.status);
  if (seen.models !== 2) fail(`model table has ${seen.models} rows`);
  if (seen.canvases < 6) fail(`only ${seen.canvases} charts drew`);
  if (seen.rps < 100 || seen.rps > 300) fail(`tile shows ${seen.rps} requests/s for a 200/s load`);
  if (!(seen.requests.length === 2 && seen.requests.every((n) => n > 0)))
    fail(`the model table counts requests ${seen.requests}`);
  if (!(seen.batchRows >= 1)) fail(`batch rows ${seen.batchRows}: no computed batch recorded`);
} catch (error) {
  fail(error.stack || String(error));
} finally {
  if (browser) await browser.close();
  if (load) load.kill("SIGINT");
  server.kill("SIGTERM");
  if (work) rmSync(work, { recursive: true, force: true });
}
