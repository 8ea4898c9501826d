// A sweep's files: sweep.csv (a row per point) and sweep.html (throughput-latency curves).
#include <cstdio>
#include <filesystem>

#include "core/json_writer.h"
#include "report/html_report.h"
#include "report/result_json.h"
#include "sweep/sweep.h"

namespace hone::sweep {
namespace {
namespace fs = std::filesystem;

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\n") == std::string::npos) return text;
  std::string out = "\"";
  for (const char c : text) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

double ms_at(const report::LoadResult& r, double p) {
  return r.total.latency.count()
             ? static_cast<double>(r.total.latency.value_at_percentile(p)) / 1000
             : 0;
}

std::string sweep_csv(const SweepSpec& spec, const SweepOutcome& outcome) {
  std::string out = "configuration";
  for (const auto& p : spec.parameters) out += "," + csv_field(p.key);
  out += std::string(",") + (spec.closed ? "concurrency" : "rate") +
         ",stable,stable_after_s,rps,error_rate,p50_ms,p90_ms,p99_ms,p999_ms,slo_met,reason,file\n";
  char line[512];
  for (std::size_t i = 0; i < outcome.configurations.size(); ++i) {
    const auto& c = outcome.configurations[i];
    for (std::size_t k = 0; k < c.points.size(); ++k) {
      const PointOutcome& p = c.points[k];
      out += std::to_string(i + 1);
      for (const auto& [key, value] : c.configuration) out += "," + csv_field(value);
      std::snprintf(line, sizeof line, ",%g,%s,%.1f,%.3f,%.6f,%.3f,%.3f,%.3f,%.3f,%s,", p.level,
                    p.stable ? "yes" : "no", p.stable_after_s, p.result.rps(),
                    p.result.error_rate(), ms_at(p.result, 50), ms_at(p.result, 90),
                    ms_at(p.result, 99), ms_at(p.result, 99.9), p.slo_met ? "yes" : "no");
      out += line + csv_field(p.reason) + "," +
             csv_field(fs::path(c.files[k]).filename().string()) + "\n";
    }
  }
  return out;
}

std::string sweep_json(const SweepSpec& spec, const SweepOutcome& outcome) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("slo").value(spec.slo_text);
  json.key("mode").value(spec.closed ? "concurrency" : "rate");
  json.key("search").value(spec.search);
  json.key("best").value(outcome.best);
  json.key("margin").value(outcome.margin);
  json.key("latency_margin").value(outcome.latency_margin);
  json.key("configurations").begin_array();
  for (const auto& c : outcome.configurations) {
    json.begin_object();
    json.key("name").value(describe(c.configuration));
    json.key("best_level").value(c.best_level);
    json.key("best_rps").value(c.best_rps);
    json.key("note").value(c.note);
    json.key("points").begin_array();
    for (const auto& p : c.points) {
      json.begin_object();
      json.key("level").value(p.level);
      json.key("rps").value(p.result.rps());
      json.key("p50").value(ms_at(p.result, 50));
      json.key("p99").value(ms_at(p.result, 99));
      json.key("error_rate").value(p.result.error_rate());
      json.key("stable").value(p.stable);
      json.key("slo_met").value(p.slo_met);
      json.key("reason").value(p.reason);
      json.end_object();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return out;
}

}  // namespace

Status write_sweep_outputs(const SweepSpec& spec, const SweepOutcome& outcome) {
  const fs::path out(spec.out);
  if (auto s = report::write_text_file((out / "sweep.csv").string(), sweep_csv(spec, outcome)); !s)
    return s;
  report::HtmlPage page;
  page.title = "hone sweep: " + fs::path(spec.file).filename().string();
  page.sweep_json = sweep_json(spec, outcome);
  return report::write_text_file((out / "sweep.html").string(), report::render_html_report(page));
}

}  // namespace hone::sweep
