// The analysis as text for a terminal and as JSON.
#include <cmath>
#include <cstdio>

#include "analyze/analysis.h"
#include "core/json_writer.h"

namespace hone::analyze {

std::string format_evidence(const Evidence& e) {
  char text[160];
  if (e.unit == "us") {
    if (e.value >= 1e6) {
      std::snprintf(text, sizeof text, "%s %.2fs", e.name.c_str(), e.value / 1e6);
    } else if (e.value >= 1e3) {
      std::snprintf(text, sizeof text, "%s %.2fms", e.name.c_str(), e.value / 1e3);
    } else {
      std::snprintf(text, sizeof text, "%s %.0fus", e.name.c_str(), e.value);
    }
  } else if (e.unit == "ratio") {
    std::snprintf(text, sizeof text, "%s %.1f%%", e.name.c_str(), 100 * e.value);
  } else if (e.unit == "req/s") {
    std::snprintf(text, sizeof text, "%s %.1f req/s", e.name.c_str(), e.value);
  } else if (e.unit == "s") {
    std::snprintf(text, sizeof text, "%s %.0fs", e.name.c_str(), e.value);
  } else if (e.unit == "rows") {
    std::snprintf(text, sizeof text, "%s %.2f", e.name.c_str(), e.value);
  } else {
    std::snprintf(text, sizeof text, "%s %.4g", e.name.c_str(), e.value);
  }
  return text;
}

std::string format_analysis(const Analysis& analysis) {
  std::string out;
  char line[256];
  std::snprintf(line, sizeof line, "health %.0f/100\n", analysis.health.score);
  out += line;
  for (const auto& part : analysis.health.parts) {
    std::snprintf(line, sizeof line, "  %-10s -%4.1f of %2.0f  %s\n", part.name.c_str(),
                  part.penalty, part.weight, part.basis.c_str());
    out += line;
  }
  out += analysis.findings.empty() ? "\nno findings: nothing stands out in this run\n"
                                   : "\nfindings\n";
  for (const auto& f : analysis.findings) {
    out += "  [" + std::string(severity_name(f.severity)) + "] " + f.kind + ": " + f.summary + "\n";
    std::string evidence;
    for (const auto& e : f.evidence)
      evidence += (evidence.empty() ? "" : "; ") + format_evidence(e);
    out += "      " + evidence + "\n";
  }
  if (!analysis.recommendations.empty()) out += "\nrecommendations\n";
  for (const auto& r : analysis.recommendations) {
    out += "  - " + r.action + " (" + r.finding + ")\n";
    if (!r.expected.empty()) out += "      expected: " + r.expected + "\n";
    if (!r.config.empty()) out += "      change:   " + r.config + "\n";
    if (!r.sweep.empty()) out += "      prove it: hone sweep " + r.sweep + "\n";
  }
  return out;
}

std::string analysis_json(const Analysis& analysis) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("health").begin_object();
  json.key("score").value(analysis.health.score);
  json.key("parts").begin_array();
  for (const auto& part : analysis.health.parts) {
    json.begin_object();
    json.key("name").value(part.name);
    json.key("weight").value(part.weight);
    json.key("penalty").value(part.penalty);
    json.key("basis").value(part.basis);
    json.end_object();
  }
  json.end_array().end_object();
  json.key("findings").begin_array();
  for (const auto& f : analysis.findings) {
    json.begin_object();
    json.key("kind").value(f.kind);
    json.key("severity").value(severity_name(f.severity));
    json.key("summary").value(f.summary);
    json.key("evidence").begin_array();
    for (const auto& e : f.evidence) {
      json.begin_object().key("name").value(e.name).key("value").value(e.value);
      json.key("unit").value(e.unit).end_object();
    }
    json.end_array().end_object();
  }
  json.end_array();
  json.key("recommendations").begin_array();
  for (const auto& r : analysis.recommendations) {
    json.begin_object();
    json.key("finding").value(r.finding);
    json.key("action").value(r.action);
    json.key("expected").value(r.expected);
    json.key("config").value(r.config);
    json.key("sweep").value(r.sweep);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  out.push_back('\n');
  return out;
}

}  // namespace hone::analyze
