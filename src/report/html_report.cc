#include "report/html_report.h"

#include <algorithm>
#include <cmath>

#include "core/version.h"
#include "monitor/stages.h"
#include "report/schedule_check.h"
#include "report/thresholds.h"
#include "web/assets.h"

namespace hone::report {
namespace {

// Text inlined in a <script> must not close it.
std::string script_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '<' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "<\\/";
      ++i;
    } else {
      out += text[i];
    }
  }
  return out;
}

void replace(std::string& page, std::string_view marker, const std::string& with) {
  const std::size_t at = page.find(marker);
  if (at != std::string::npos) page.replace(at, marker.size(), with);
}

double ms(double us) { return us / 1000.0; }

void write_figures(JsonWriter& json, const Stats& stats, double duration_s) {
  json.begin_object();
  json.key("requests").value(stats.requests);
  json.key("ok").value(stats.ok);
  json.key("failed").value(stats.failed);
  json.key("rps").value(duration_s > 0 ? static_cast<double>(stats.requests) / duration_s : 0.0);
  json.key("error_rate")
      .value(stats.requests
                 ? static_cast<double>(stats.failed) / static_cast<double>(stats.requests)
                 : 0.0);
  const HdrHistogram& h = stats.latency;
  const bool any = h.count() > 0;
  json.key("mean").value(any ? ms(h.mean()) : 0.0);
  for (const auto& [key, p] : {std::pair<const char*, double>{"p50", 50},
                               {"p90", 90},
                               {"p95", 95},
                               {"p99", 99},
                               {"p999", 99.9}}) {
    json.key(key).value(any ? ms(static_cast<double>(h.value_at_percentile(p))) : 0.0);
  }
  json.key("max").value(any ? ms(static_cast<double>(h.max())) : 0.0);
  json.end_object();
}

// HdrHistogram's percentile distribution: x = 1/(1-p), on a log axis, up to the count's reach.
void write_spectrum(JsonWriter& json, const HdrHistogram& h) {
  json.begin_object();
  json.key("x").begin_array();
  std::vector<double> values;
  const double count = static_cast<double>(h.count());
  for (int i = 0; count > 0; ++i) {
    const double tail = std::pow(0.5, i / 4.0);  // 1 - p
    const double p = 1 - tail;
    if (1 / tail > count * 2 || i > 120) break;
    json.value(1 / tail);
    values.push_back(ms(static_cast<double>(h.value_at_percentile(100 * p))));
  }
  json.end_array();
  json.key("y").begin_array();
  for (const double v : values) json.value(v);
  json.end_array();
  json.end_object();
}

void write_timeline(JsonWriter& json, const LoadResult& result) {
  json.begin_object();
  const auto& rows = result.timeline;
  const std::int64_t first = rows.empty() ? 0 : rows.front().second;
  const std::int64_t last = rows.empty() ? -1 : rows.back().second;
  struct Column {
    const char* key;
    std::vector<double> values;
  };
  std::vector<Column> columns = {{"rps", {}}, {"errors", {}}, {"p50", {}},
                                 {"p90", {}}, {"p99", {}},    {"max", {}}};
  std::size_t row = 0;
  json.key("t").begin_array();
  for (std::int64_t second = first; second <= last; ++second) {
    json.value(second - first);
    const bool present = row < rows.size() && rows[row].second == second;
    auto histogram =
        present ? HdrHistogram::from_sparse(rows[row].latency) : Result<HdrHistogram>(fail(""));
    const bool answered = histogram && histogram->count() > 0;
    const double nan = std::nan("");
    columns[0].values.push_back(present ? static_cast<double>(rows[row].requests) : 0);
    columns[1].values.push_back(present ? static_cast<double>(rows[row].failed) : 0);
    columns[2].values.push_back(
        answered ? ms(static_cast<double>(histogram->value_at_percentile(50))) : nan);
    columns[3].values.push_back(
        answered ? ms(static_cast<double>(histogram->value_at_percentile(90))) : nan);
    columns[4].values.push_back(
        answered ? ms(static_cast<double>(histogram->value_at_percentile(99))) : nan);
    columns[5].values.push_back(answered ? ms(static_cast<double>(histogram->max())) : nan);
    if (present) ++row;
  }
  json.end_array();
  for (const auto& column : columns) {
    json.key(column.key).begin_array();
    for (const double v : column.values) json.value(v);  // NaN is written as null
    json.end_array();
  }
  json.end_object();
}

// A chart of server series on one time axis (seconds since the run's start): the union of the
// series' scrape times, null where a series has no point.
struct ServerLine {
  std::string label;
  const ServerSeries* series;
  double scale;   // multiply values by
  bool use_mean;  // a histogram's mean rather than its rate
};

void write_server_chart(JsonWriter& json, const std::string& title, const std::string& unit,
                        const std::vector<ServerLine>& lines, std::int64_t start_ms) {
  std::vector<std::int64_t> times;
  for (const auto& line : lines) {
    for (const auto& p : line.series->points) times.push_back(p.t_ms);
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  json.begin_object();
  json.key("title").value(title);
  json.key("unit").value(unit);
  json.key("t").begin_array();
  for (const auto t : times) json.value(static_cast<double>(t - start_ms) / 1000.0);
  json.end_array();
  json.key("series").begin_array();
  for (const auto& line : lines) {
    json.begin_object().key("label").value(line.label).key("values").begin_array();
    std::size_t i = 0;
    for (const auto t : times) {
      while (i < line.series->points.size() && line.series->points[i].t_ms < t) ++i;
      const bool here = i < line.series->points.size() && line.series->points[i].t_ms == t;
      const ServerPoint* p = here ? &line.series->points[i] : nullptr;
      json.value(p == nullptr ? std::nan("") : (line.use_mean ? p->mean : p->value) * line.scale);
    }
    json.end_array().end_object();
  }
  json.end_array();
  json.end_object();
}

void write_server(JsonWriter& json, const LoadResult& result) {
  const ServerMetrics& server = result.server;
  json.begin_object();
  json.key("url").value(server.url);
  json.key("scrapes").value(server.scrapes);
  json.key("gaps").value(static_cast<std::int64_t>(server.gaps.size()));
  json.key("charts").begin_array();
  const std::int64_t start = result.started_ms;
  std::size_t charts = 0;
  for (const auto* total : server.find("hone_request_duration_seconds")) {
    const std::string model = total->label("model");
    if (total->total <= 0) continue;
    // Each stage's mean over the requests that went through it (a cache hit has no compute).
    std::vector<ServerLine> lines;
    for (const auto& stage : monitor::kStages) {
      for (const auto* s : server.find(stage.metric, {{"model", model}})) {
        if (s->total > 0) lines.push_back({stage.name, s, 1000, true});
      }
    }
    for (const auto* s : server.find("hone_request_duration_seconds", {{"model", model}}))
      lines.push_back({"whole request", s, 1000, true});
    write_server_chart(json, "Server time per request, by stage, model " + model, "ms", lines,
                       start);
    ++charts;
  }
  const auto add = [&](const char* name, const std::string& title, const std::string& unit,
                       double scale, bool mean, const char* label_key) {
    std::vector<ServerLine> lines;
    for (const auto* s : server.find(name)) {
      lines.push_back({label_key ? s->label(label_key) : std::string(name), s, scale, mean});
    }
    if (lines.empty()) return;
    write_server_chart(json, title, unit, lines, start);
    ++charts;
  };
  add("hone_batch_rows", "Rows per backend call (mean)", "rows", 1, true, "model");
  add("hone_pending_requests", "Requests in flight on the server", "requests", 1, false, "model");
  add("hone_process_cpu_seconds_total", "Server process CPU", "cores", 1, false, nullptr);
  add("hone_process_resident_memory_bytes", "Server resident memory", "MB", 1e-6, false, nullptr);
  if (charts == 0) {
    // Another server: its histograms' means and its counters' rates, a chart per family.
    std::vector<std::string> families;
    for (const auto& s : server.series) {
      if (std::find(families.begin(), families.end(), s.name) == families.end() &&
          s.type != "gauge" && s.total > 0)
        families.push_back(s.name);
    }
    for (const auto& family : families) {
      if (charts >= 12) break;
      std::vector<ServerLine> lines;
      for (const auto* s : server.find(family)) {
        if (lines.size() >= 6) break;
        std::string label;
        for (const auto& [k, v] : s->labels) label += (label.empty() ? "" : ",") + k + "=" + v;
        lines.push_back({label.empty() ? family : label, s, 1, s->type == "histogram"});
      }
      const bool histogram = lines.front().series->type == "histogram";
      write_server_chart(json, family + (histogram ? " (mean)" : " (per second)"),
                         histogram ? "" : "/s", lines, start);
      ++charts;
    }
  }
  json.end_array();
  json.end_object();
}

}  // namespace

void write_run_data(JsonWriter& json, const HtmlRun& run) {
  const LoadResult& result = *run.result;
  json.begin_object();
  json.key("name").value(run.name);
  json.key("target").value(result.target);
  json.key("started_ms").value(result.started_ms);
  json.key("duration_s").value(result.duration_s);
  json.key("summary");
  write_figures(json, result.total, result.duration_s);
  json.key("thresholds").begin_array();
  std::vector<Threshold> thresholds;
  for (const auto& text : recorded_thresholds(result)) {
    if (auto t = parse_threshold(text)) thresholds.push_back(*t);
  }
  for (const auto& outcome : evaluate_thresholds(result, thresholds)) {
    json.begin_object();
    json.key("text").value(outcome.threshold.text);
    json.key("actual").value(format_metric(outcome.threshold.metric, outcome.actual));
    json.key("passed").value(outcome.passed);
    json.end_object();
  }
  json.end_array();
  json.key("timeline");
  write_timeline(json, result);
  json.key("endpoints").begin_array();
  for (const auto& endpoint : result.endpoints) {
    json.begin_object();
    json.key("name").value(endpoint.name);
    json.key("figures");
    write_figures(json, endpoint.stats,
                  endpoint.duration_s > 0 ? endpoint.duration_s : result.duration_s);
    json.key("spectrum");
    write_spectrum(json, endpoint.stats.latency);
    json.end_object();
  }
  json.end_array();
  json.key("statuses").begin_object();
  for (const auto& [status, count] : result.total.by_status)
    json.key(std::to_string(status)).value(count);
  json.end_object();
  json.key("error_kinds").begin_object();
  for (const auto& [kind, count] : result.total.by_kind) json.key(kind).value(count);
  json.end_object();
  const Schedule& s = result.schedule;
  const ScheduleVerdict verdict = check_schedule(result);
  json.key("schedule").begin_object();
  json.key("model").value(s.model);
  json.key("target_rps").value(s.target_rps);
  json.key("intended").value(s.intended);
  json.key("sent").value(s.sent);
  json.key("send_ratio").value(verdict.send_ratio);
  json.key("lag_p50").value(ms(static_cast<double>(s.lag.value_at_percentile(50))));
  json.key("lag_p99").value(ms(static_cast<double>(s.lag.value_at_percentile(99))));
  json.key("lag_max").value(ms(static_cast<double>(s.lag.max())));
  json.key("max_connections").value(s.max_connections);
  json.key("connections_opened").value(s.connections_opened);
  json.key("warning").value(verdict.warning);
  json.end_object();
  if (!result.server.empty()) {
    json.key("server");
    write_server(json, result);
  }
  json.key("analysis").raw(run.analysis_json.empty() ? "null" : run.analysis_json);
  json.end_object();
}

std::string render_html_report(const HtmlPage& page) {
  std::string data;
  JsonWriter json(data);
  json.begin_object();
  json.key("title").value(page.title);
  json.key("hone").value(kVersion);
  json.key("runs").begin_array();
  for (const auto& run : page.runs) write_run_data(json, run);
  json.end_array();
  json.key("comparison").raw(page.comparison_json.empty() ? "null" : page.comparison_json);
  json.key("sweep").raw(page.sweep_json.empty() ? "null" : page.sweep_json);
  json.end_object();

  std::string html(web::asset("report.html"));
  std::string title;
  for (const char c : page.title) {
    if (c == '<')
      title += "&lt;";
    else if (c == '&')
      title += "&amp;";
    else
      title += c;
  }
  replace(html, "<!--HONE:TITLE-->", title);
  replace(html, "/*HONE:STYLE*/",
          std::string(web::asset("uPlot.min.css")) + "\n" + std::string(web::asset("report.css")));
  replace(html, "/*HONE:UPLOT*/", script_safe(web::asset("uPlot.iife.min.js")));
  replace(html, "/*HONE:SCRIPT*/", script_safe(web::asset("report.js")));
  replace(html, "/*HONE:DATA*/", script_safe(data));  // last: the data may hold any text
  return html;
}

}  // namespace hone::report
