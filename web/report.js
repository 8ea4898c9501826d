// hone's HTML report: draws the data hone wrote into the page (runs, their analyses, a comparison
// or a sweep) with uPlot. Everything is inline; the page needs no network.
// window.honeReport tells tests what each chart holds.
(function () {
  "use strict";
  const data = JSON.parse(document.getElementById("hone-data").textContent);
  const state = { charts: [], errors: [] };
  window.honeReport = state;
  const COLORS = ["#2f6fde", "#d1453b", "#2e9e5b", "#d28b1f", "#7b4fd0", "#139ab0", "#c2408f", "#6b7785"];

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "class") node.className = value; else node.setAttribute(key, value);
    }
    for (const child of children.flat()) {
      if (child == null) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }
  const num = (v, digits) => (v == null || Number.isNaN(v) ? "–" : Number(v).toFixed(digits));
  const ms = (v) => (v == null ? "–" : v >= 1000 ? num(v / 1000, 2) + " s" : v >= 1 ? num(v, 2) + " ms" : num(v * 1000, 0) + " µs");
  const pct = (v) => num(100 * v, 2) + "%";
  const main = document.getElementById("report");
  let chartCount = 0;

  // x: numbers; series: [{label, values}] aligned with x (null = no point).
  function chart(parent, title, x, series, options) {
    options = options || {};
    const id = "chart-" + (++chartCount);
    const holder = el("div", { id });
    parent.append(el("figure", {}, el("figcaption", {}, title), holder));
    const width = Math.max(480, (holder.clientWidth || 540));
    const opts = {
      width, height: 220,
      scales: { x: { time: false, distr: options.logX ? 3 : 1 }, y: { distr: options.logY ? 3 : 1 } },
      axes: [{ label: options.xLabel || "seconds", values: options.xValues },
             { label: options.yLabel || "", size: 60 }],
      series: [{ label: options.xLabel || "s" }].concat(series.map((s, i) => ({
        label: s.label, stroke: s.color || COLORS[i % COLORS.length], width: 1.5,
        points: { show: x.length < 60 || options.spanGaps }, spanGaps: !!options.spanGaps,
      }))),
    };
    const plot = new uPlot(opts, [x].concat(series.map((s) => s.values)), holder);
    state.charts.push({ id, title, points: plot.data[0].length, series: series.length,
                        filled: series.map((s) => s.values.filter((v) => v != null).length) });
    return plot;
  }

  // Series of several runs over one x: the union of their x values, nulls where a run has none.
  function align(columns) {
    const xs = Array.from(new Set(columns.flatMap((c) => c.x))).sort((a, b) => a - b);
    const index = new Map(xs.map((x, i) => [x, i]));
    const series = columns.map((c) => {
      const values = new Array(xs.length).fill(null);
      c.x.forEach((x, i) => { values[index.get(x)] = c.values[i]; });
      return { label: c.label, values, color: c.color };
    });
    return { x: xs, series };
  }

  function table(headers, rows, rowClass) {
    return el("table", {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows.map((row, i) => el("tr", { class: rowClass ? rowClass(i) : "" }, row.map((c) => el("td", {}, c))))));
  }

  const runs = data.runs;
  const several = runs.length > 1;
  const label = (run, what) => (several ? run.name + " " : "") + what;

  function summary() {
    main.append(el("h2", {}, "Summary"));
    if (!several && runs.length === 1) {
      const run = runs[0];
      const s = run.summary;
      const cards = el("div", { class: "cards" });
      const card = (name, value, cls) => cards.append(el("div", { class: "card " + (cls || "") }, el("div", { class: "label" }, name), el("div", { class: "value" }, value)));
      card("requests", s.requests);
      card("requests/s", num(s.rps, 1));
      card("errors", pct(s.error_rate), s.failed > 0 ? "fail" : "pass");
      card("p50", ms(s.p50)); card("p90", ms(s.p90)); card("p99", ms(s.p99)); card("max", ms(s.max));
      for (const t of run.thresholds) card(t.text, (t.passed ? "✓ " : "✗ ") + t.actual, t.passed ? "pass" : "fail");
      if (run.analysis) card("health", num(run.analysis.health.score, 0) + "/100");
      main.append(cards);
      return;
    }
    const figures = [["requests", (s) => s.requests], ["requests/s", (s) => num(s.rps, 1)],
      ["error rate", (s) => pct(s.error_rate)], ["p50", (s) => ms(s.p50)], ["p90", (s) => ms(s.p90)],
      ["p99", (s) => ms(s.p99)], ["p99.9", (s) => ms(s.p999)], ["max", (s) => ms(s.max)]];
    const rows = figures.map(([name, f]) => [name].concat(runs.map((r) => f(r.summary))));
    rows.push(["thresholds"].concat(runs.map((r) => r.thresholds.map((t) => (t.passed ? "✓ " : "✗ ") + t.text).join(", ") || "–")));
    rows.push(["health"].concat(runs.map((r) => (r.analysis ? num(r.analysis.health.score, 0) + "/100" : "–"))));
    main.append(table([""].concat(runs.map((r) => r.name)), rows));
  }

  function overTime() {
    main.append(el("h2", {}, "Over time"));
    const grid = el("div", { class: "charts" });
    main.append(grid);
    const rate = [];
    runs.forEach((run) => {
      rate.push({ label: label(run, "requests/s"), x: run.timeline.t, values: run.timeline.rps });
      rate.push({ label: label(run, "errors/s"), x: run.timeline.t, values: run.timeline.errors });
    });
    let a = align(rate);
    chart(grid, "Requests and errors per second", a.x, a.series, { yLabel: "per second" });
    const latency = [];
    runs.forEach((run) => {
      for (const key of several ? ["p50", "p99"] : ["p50", "p90", "p99", "max"]) {
        latency.push({ label: label(run, key), x: run.timeline.t, values: run.timeline[key] });
      }
    });
    a = align(latency);
    chart(grid, "Latency per second (from the intended send time)", a.x, a.series, { yLabel: "ms" });
  }

  function spectrum() {
    main.append(el("h2", {}, "Percentile spectrum"));
    main.append(el("p", { class: "quiet" }, "Latency at each percentile, the x axis as 1/(1−p) on a log scale (10 = p90, 100 = p99, 1000 = p99.9), as HdrHistogram plots it."));
    const grid = el("div", { class: "charts" });
    main.append(grid);
    const names = Array.from(new Set(runs.flatMap((r) => r.endpoints.map((e) => e.name))));
    for (const name of names) {
      const columns = [];
      runs.forEach((run) => {
        const e = run.endpoints.find((x) => x.name === name);
        if (e && e.spectrum.x.length) columns.push({ label: label(run, name), x: e.spectrum.x, values: e.spectrum.y });
      });
      if (!columns.length) continue;
      const a = align(columns);
      chart(grid, "Endpoint " + name, a.x, a.series, {
        logX: true, xLabel: "1/(1−p)", yLabel: "ms",
        xValues: (u, splits) => splits.map((v) => (v >= 1 ? "p" + (100 - 100 / v).toFixed(v >= 1000 ? 2 : v >= 100 ? 1 : 0) : "")),
      });
    }
  }

  function endpoints() {
    main.append(el("h2", {}, "Endpoints"));
    const wrap = el("div", { class: "cards" });
    main.append(wrap);
    for (const run of runs) {
      const rows = run.endpoints.map((e) => [e.name, e.figures.requests, num(e.figures.rps, 1), pct(e.figures.error_rate), ms(e.figures.p50), ms(e.figures.p90), ms(e.figures.p99), ms(e.figures.p999), ms(e.figures.max)]);
      wrap.append(el("div", {}, several ? el("h3", {}, run.name) : null,
        table(["endpoint", "requests", "req/s", "errors", "p50", "p90", "p99", "p99.9", "max"], rows)));
    }
    const statuses = Array.from(new Set(runs.flatMap((r) => Object.keys(r.statuses)))).sort();
    const kinds = Array.from(new Set(runs.flatMap((r) => Object.keys(r.error_kinds)))).sort();
    main.append(el("h3", {}, "Statuses and error kinds"));
    const rows = statuses.map((s) => ["status " + s].concat(runs.map((r) => r.statuses[s] || 0)))
      .concat(kinds.map((k) => [k].concat(runs.map((r) => r.error_kinds[k] || 0))));
    main.append(rows.length ? table([""].concat(runs.map((r) => r.name)), rows) : el("p", {}, "No answers."));
  }

  function schedule() {
    main.append(el("h2", {}, "Schedule"));
    const figures = [["load model", (s) => s.model], ["target req/s", (s) => (s.model === "open" ? num(s.target_rps, 1) : "–")],
      ["intended", (s) => s.intended], ["sent", (s) => s.sent], ["sent of intended", (s) => pct(s.send_ratio)],
      ["send lag p50", (s) => ms(s.lag_p50)], ["send lag p99", (s) => ms(s.lag_p99)], ["send lag max", (s) => ms(s.lag_max)],
      ["connections at most", (s) => s.max_connections], ["connections opened", (s) => s.connections_opened]];
    main.append(table([""].concat(runs.map((r) => r.name)), figures.map(([n, f]) => [n].concat(runs.map((r) => f(r.schedule))))));
    for (const run of runs) if (run.schedule.warning) main.append(el("p", { class: "warning" }, (several ? run.name + ": " : "") + run.schedule.warning));
  }

  function server() {
    const scraped = runs.filter((r) => r.server);
    if (!scraped.length) return;
    main.append(el("h2", {}, "Server side"));
    for (const run of scraped) {
      main.append(el("p", { class: "quiet" }, (several ? run.name + ": " : "") + "scraped " + run.server.url + " " + run.server.scrapes + " times" + (run.server.gaps ? ", " + run.server.gaps + " failed scrapes (gaps)" : "")));
      const grid = el("div", { class: "charts" });
      main.append(grid);
      for (const c of run.server.charts) {
        chart(grid, (several ? run.name + ": " : "") + c.title, c.t, c.series.map((s) => ({ label: s.label, values: s.values })), { yLabel: c.unit });
      }
    }
  }

  function analysis() {
    const analysed = runs.filter((r) => r.analysis);
    if (!analysed.length) return;
    main.append(el("h2", {}, "Analysis"));
    for (const run of analysed) {
      const a = run.analysis;
      if (several) main.append(el("h3", {}, run.name));
      main.append(el("p", {}, el("b", {}, "Health " + num(a.health.score, 0) + "/100")));
      main.append(table(["part", "penalty", "of", "from"], a.health.parts.map((p) => [p.name, num(p.penalty, 1), num(p.weight, 0), p.basis])));
      if (!a.findings.length) main.append(el("p", {}, "No findings: nothing stands out in this run."));
      for (const f of a.findings) {
        main.append(el("div", { class: "finding" }, el("span", { class: "severity " + f.severity }, f.severity), " ", el("b", {}, f.kind), ": ", f.summary,
          el("div", { class: "quiet" }, f.evidence.map((e) => e.name + " " + (e.unit === "us" ? ms(e.value / 1000) : e.unit === "ratio" ? pct(e.value) : num(e.value, 2) + " " + e.unit)).join("; "))));
      }
      if (a.recommendations.length) {
        main.append(el("h3", {}, "Recommendations"));
        main.append(el("ul", {}, a.recommendations.map((r) => el("li", {}, el("b", {}, r.action), " (" + r.finding + ")",
          r.expected ? el("div", {}, "expected: " + r.expected) : null, r.config ? el("div", { class: "quiet" }, "change: " + r.config) : null,
          r.sweep ? el("div", { class: "quiet" }, "prove it: hone sweep " + r.sweep) : null))));
      }
    }
  }

  function comparison() {
    const c = data.comparison;
    if (!c) return;
    main.append(el("h2", {}, "Comparison"));
    main.append(el("p", { class: "quiet" }, "BASE " + c.base + " — NEW " + c.next + ". Intervals: 95%, " + c.method + "."));
    const show = (figure, v) => (figure === "rps" ? num(v, 1) + "/s" : figure === "error_rate" ? pct(v) : ms(v / 1000));
    const change = (figure, v) => (figure === "error_rate" ? (v >= 0 ? "+" : "") + num(100 * v, 2) + " pp" : (v >= 0 ? "+" : "") + num(100 * v, 1) + "%");
    for (const scope of c.scopes) {
      main.append(el("h3", {}, scope.scope ? "Endpoint " + scope.scope : "Whole run"));
      main.append(table(["figure", "base", "new", "change", "95% interval", "verdict"], scope.figures.map((f) => [
        f.figure, show(f.figure, f.base), show(f.figure, f.next), change(f.figure, f.change),
        "[" + change(f.figure, f.low) + ", " + change(f.figure, f.high) + "]",
        el("span", { class: "verdict " + f.verdict.split(" ")[0] }, f.verdict)])));
    }
    if (c.rules && c.rules.length) {
      main.append(el("h3", {}, "Fail-on rules"));
      main.append(table(["rule", "outcome", "why"], c.rules.map((r) => [r.rule, r.failed ? "FAILED" : "ok", r.reason])));
    }
  }

  function sweep() {
    const s = data.sweep;
    if (!s) return;
    main.append(el("h2", {}, "Sweep"));
    main.append(el("p", {}, "SLO: " + s.slo + ". " + (s.best >= 0
      ? "Best: " + s.configurations[s.best].name + ", " + num(s.configurations[s.best].best_rps, 0) + " req/s under the SLO" +
        (s.configurations.length < 2 ? "." : s.margin >= 0.01
          ? " (+" + num(100 * s.margin, 0) + "% throughput over the next best)."
          : " (the same throughput as the next best, p99 " + (s.latency_margin >= 0 ? "+" : "") + num(100 * s.latency_margin, 0) + "%).")
      : "No configuration met the SLO.")));
    const grid = el("div", { class: "charts" });
    main.append(grid);
    const columns = s.configurations.map((c, i) => ({
      label: c.name + (i === s.best ? " (best)" : ""), x: c.points.map((p) => p.rps), values: c.points.map((p) => p.p99) }));
    const sorted = columns.map((c) => {
      const order = c.x.map((_, i) => i).sort((a, b) => c.x[a] - c.x[b]);
      return { label: c.label, x: order.map((i) => c.x[i]), values: order.map((i) => c.values[i]) };
    });
    const a = align(sorted);
    chart(grid, "Throughput and p99 latency, per configuration", a.x, a.series,
          { xLabel: "answered req/s", yLabel: "p99 ms", spanGaps: true });
    s.configurations.forEach((c, i) => {
      main.append(el("h3", {}, c.name + (i === s.best ? " — best" : "")));
      if (c.note) main.append(el("p", { class: "warning" }, c.note));
      main.append(table([s.mode, "answered req/s", "p50", "p99", "errors", "stable", "SLO"],
        c.points.map((p) => [num(p.level, 0), num(p.rps, 1), ms(p.p50), ms(p.p99), pct(p.error_rate), p.stable ? "yes" : "no", p.slo_met ? "met" : p.reason]),
        (row) => (c.points[row].level === c.best_level && i === s.best ? "best" : "")));
    });
  }

  try {
    document.getElementById("title").textContent = data.title;
    document.getElementById("subtitle").textContent = runs.map((r) => r.name + " (" + r.target + ", " + new Date(r.started_ms).toISOString().replace("T", " ").slice(0, 19) + " UTC, " + num(r.duration_s, 1) + " s)").join(" · ");
    document.getElementById("footer").textContent = "Written by hone " + data.hone + ".";
    sweep();
    comparison();
    if (runs.length) {
      summary(); overTime(); spectrum(); endpoints(); schedule(); server(); analysis();
    }
  } catch (error) {
    state.errors.push(String(error));
    throw error;
  }
})();
