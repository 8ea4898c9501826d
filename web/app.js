// hone's live dashboard: polls the server's own API once a second and draws with uPlot.
// window.honeDashboard tells tests how much data the charts hold.
(function () {
  "use strict";
  const WINDOW = 300; // seconds shown
  const state = { points: 0, lastTime: 0, updates: 0, errors: 0, charts: {} };
  window.honeDashboard = state;

  const series = {
    time: [], rps: [], errors: [], p50: [], p95: [], p99: [], cache: [],
    batch: [], pending: [], cpu: [], machineCpu: [], rss: [], memory: [],
  };

  // Whole seconds on the time axis and in the legend: the data has one point per second.
  const clock = (t) => new Date(t * 1000).toLocaleTimeString([], { hour12: false });

  // Room for the widest tick label, so the rotated axis title never overlaps the numbers.
  function axisSize(self, values, axisIndex, cycle) {
    const axis = self.axes[axisIndex];
    if (cycle > 1) return axis._size;
    let widest = 0;
    self.ctx.font = axis.font[0];
    for (const value of values || []) widest = Math.max(widest, self.ctx.measureText(value).width);
    return Math.ceil(widest / devicePixelRatio) + axis.ticks.size + axis.gap + 4;
  }

  function chart(id, labels, colors, yLabel) {
    const element = document.getElementById(id);
    const options = {
      width: element.clientWidth || 560, height: 180,
      scales: { x: { time: true } },
      axes: [{ stroke: "#7d8a99", grid: { stroke: "#263140" },
               incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600],
               values: (u, splits) => splits.map(clock) },
             { stroke: "#7d8a99", grid: { stroke: "#263140" }, label: yLabel, size: axisSize,
               labelSize: 16, labelGap: 2 }],
      series: [{ value: (u, t) => (t == null ? "--" : clock(t)) }].concat(labels.map((label, i) => ({ label, stroke: colors[i], width: 1.5 }))),
    };
    const data = [[]].concat(labels.map(() => []));
    return new uPlot(options, data, element);
  }

  function setupCharts() {
    state.charts.rps = chart("chart-rps", ["predictions/s", "errors/s"], ["#4fb3ff", "#ff6b6b"], "per second");
    state.charts.latency = chart("chart-latency", ["p50", "p95", "p99"], ["#5ad17a", "#ffc857", "#ff6b6b"], "ms");
    state.charts.cache = chart("chart-cache", ["hit rate"], ["#b18cff"], "%");
    state.charts.batch = chart("chart-batch", ["batch rows", "queue depth"], ["#4fb3ff", "#ffc857"], "");
    state.charts.cpu = chart("chart-cpu", ["process", "machine"], ["#4fb3ff", "#7d8a99"], "%");
    state.charts.memory = chart("chart-memory", ["RSS MB", "machine %"], ["#5ad17a", "#7d8a99"], "");
  }

  function push(second) {
    if (second.time <= state.lastTime) return;
    state.lastTime = second.time;
    series.time.push(second.time);
    series.rps.push(second.requests);
    series.errors.push(second.failures);
    series.p50.push(second.requests ? second.p50_ms : null);
    series.p95.push(second.requests ? second.p95_ms : null);
    series.p99.push(second.requests ? second.p99_ms : null);
    series.cache.push(second.cache_hits + second.cache_misses ? 100 * second.cache_hit_rate : null);
    series.batch.push(second.batch_rows || null);
    series.pending.push(second.pending);
    series.cpu.push(second.system.process_cpu_percent);
    series.machineCpu.push(second.system.machine_cpu_percent);
    series.rss.push(second.system.rss_bytes / 1048576);
    series.memory.push(second.system.memory_percent);
    for (const key of Object.keys(series)) {
      if (series[key].length > WINDOW) series[key].shift();
    }
    state.points = series.time.length;
  }

  function redraw() {
    const t = series.time;
    state.charts.rps.setData([t, series.rps, series.errors]);
    state.charts.latency.setData([t, series.p50, series.p95, series.p99]);
    state.charts.cache.setData([t, series.cache]);
    state.charts.batch.setData([t, series.batch, series.pending]);
    state.charts.cpu.setData([t, series.cpu, series.machineCpu]);
    state.charts.memory.setData([t, series.rss, series.memory]);
  }

  const text = (id, value) => { document.getElementById(id).textContent = value; };
  const fixed = (value, digits) => (value === null || value === undefined ? "–" : Number(value).toFixed(digits));

  function tiles(latest) {
    text("tile-rps", latest.requests);
    text("tile-p99", latest.requests ? fixed(latest.p99_ms, 2) + " ms" : "–");
    text("tile-errors", latest.requests ? fixed(100 * latest.error_rate, 2) + " %" : "0");
    text("tile-cache", latest.cache_hits + latest.cache_misses ? fixed(100 * latest.cache_hit_rate, 1) + " %" : "–");
    text("tile-cpu", fixed(latest.system.process_cpu_percent, 0) + " %");
    text("tile-rss", fixed(latest.system.rss_bytes / 1048576, 1) + " MB");
  }

  function models(performance, latest) {
    const now = {};
    for (const m of (latest && latest.models) || []) now[m.model] = m.requests;
    const body = document.querySelector("#models tbody");
    body.replaceChildren(...performance.models.map((m) => {
      const row = document.createElement("tr");
      const cells = [m.name, m.backend, m.requests, m.failures, fixed(m.latency_ms.total.p50, 3),
        fixed(m.latency_ms.total.p95, 3), fixed(m.latency_ms.total.p99, 3), fixed(m.latency_ms.queue.p99, 3),
        fixed((m.latency_ms.upstream && m.latency_ms.upstream.count ? m.latency_ms.upstream : m.latency_ms.compute).p99, 3), fixed(m.batch_rows_mean, 1), m.pending,
        m.batching ? "on" : "off", m.cache ? "on" : "off", now[m.name] === undefined ? "–" : now[m.name]];
      for (const value of cells) {
        const cell = document.createElement("td");
        cell.textContent = value;
        row.appendChild(cell);
      }
      return row;
    }));
    const uptime = Math.round(performance.uptime_s);
    text("uptime", "up " + (uptime >= 3600 ? Math.floor(uptime / 3600) + "h " : "") +
      Math.floor((uptime % 3600) / 60) + "m " + (uptime % 60) + "s");
  }

  function alerts(list) {
    const active = list.alerts.filter((a) => a.state === "firing" || a.state === "pending");
    const items = document.getElementById("alerts");
    if (active.length === 0) {
      items.innerHTML = '<li class="quiet">none</li>';
    } else {
      items.replaceChildren(...active.map((a) => {
        const item = document.createElement("li");
        item.className = a.state;
        item.textContent = a.state + ": " + a.name + " (value " + fixed(a.value, 3) + ")";
        return item;
      }));
    }
    const firing = list.alerts.filter((a) => a.state === "firing").length;
    const badge = document.getElementById("alert-count");
    badge.textContent = firing ? firing + " alert" + (firing > 1 ? "s" : "") + " firing" : "no alerts firing";
    badge.className = "badge " + (firing ? "bad" : "ok");
  }

  async function getJson(path) {
    const response = await fetch(path, { cache: "no-store" });
    if (!response.ok) throw new Error(path + ": " + response.status);
    return response.json();
  }

  async function update(first) {
    try {
      const history = await getJson("/api/performance/history?window=" + (first ? WINDOW + "s" : "5s"));
      for (const second of history.seconds) push(second);
      const [performance, alertList, ready] = await Promise.all([
        getJson("/api/performance"), getJson("/api/alerts"),
        fetch("/v2/health/ready", { cache: "no-store" }).then((r) => r.ok)]);
      redraw();
      const latest = history.seconds.length ? history.seconds[history.seconds.length - 1] : null;
      if (latest) tiles(latest);
      models(performance, latest);
      alerts(alertList);
      const status = document.getElementById("status");
      status.textContent = ready ? "ready" : "not ready";
      status.className = "badge " + (ready ? "ok" : "bad");
      state.updates += 1;
    } catch (error) {
      state.errors += 1;
      const status = document.getElementById("status");
      status.textContent = "unreachable";
      status.className = "badge bad";
    }
  }

  setupCharts();
  update(true);
  setInterval(() => update(false), 1000);
})();
