#include "analyze/compare_text.h"

#include <cmath>
#include <cstdio>

#include "core/json_writer.h"

namespace hone::analyze {

std::string format_figure(int figure, double value) {
  char text[64];
  if (std::isnan(value)) return "-";
  if (figure == kRps) {
    std::snprintf(text, sizeof text, "%.1f/s", value);
  } else if (figure == kErrorRate) {
    std::snprintf(text, sizeof text, "%.2f%%", value * 100);
  } else if (value >= 1e6) {
    std::snprintf(text, sizeof text, "%.2fs", value / 1e6);
  } else if (value >= 1e3) {
    std::snprintf(text, sizeof text, "%.2fms", value / 1e3);
  } else {
    std::snprintf(text, sizeof text, "%.0fus", value);
  }
  return text;
}

std::string format_change(int figure, double change) {
  char text[64];
  if (std::isnan(change)) return "-";
  if (figure == kErrorRate) {
    std::snprintf(text, sizeof text, "%+.2f pp", change * 100);
  } else {
    std::snprintf(text, sizeof text, "%+.1f%%", change * 100);
  }
  return text;
}

std::string format_comparison(const Comparison& comparison, const std::string& base_label,
                              const std::string& next_label) {
  std::string out = "compare  BASE " + base_label + "\n         NEW  " + next_label + "\n";
  out += "  intervals: 95%, " + comparison.method + "\n";
  for (const auto& scope : comparison.scopes) {
    out +=
        "\n" + (scope.scope.empty() ? std::string("whole run") : "endpoint " + scope.scope) + "\n";
    char line[256];
    std::snprintf(line, sizeof line, "  %-11s %12s %12s %10s   %-22s %s\n", "", "base", "new",
                  "change", "95% interval", "verdict");
    out += line;
    for (const auto& c : scope.figures) {
      const std::string interval =
          "[" + format_change(c.figure, c.low) + ", " + format_change(c.figure, c.high) + "]";
      std::snprintf(
          line, sizeof line, "  %-11s %12s %12s %10s   %-22s %s\n", figure_name(c.figure),
          format_figure(c.figure, c.base).c_str(), format_figure(c.figure, c.next).c_str(),
          format_change(c.figure, c.change).c_str(), interval.c_str(), verdict_name(c.verdict));
      out += line;
    }
  }
  for (const auto& note : comparison.notes) out += "  note: " + note + "\n";
  return out;
}

std::string format_rule_outcomes(const std::vector<RuleOutcome>& outcomes) {
  std::string out;
  if (!outcomes.empty()) out += "\nfail-on\n";
  for (const auto& o : outcomes) {
    out += std::string("  ") + (o.failed ? "FAILED " : "ok     ") + o.rule.text + "  (" + o.reason +
           ")\n";
  }
  return out;
}

std::string comparison_json(const Comparison& comparison, const std::string& base_label,
                            const std::string& next_label,
                            const std::vector<RuleOutcome>& outcomes) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("base").value(base_label);
  json.key("next").value(next_label);
  json.key("method").value(comparison.method);
  json.key("scopes").begin_array();
  for (const auto& scope : comparison.scopes) {
    json.begin_object().key("scope").value(scope.scope).key("figures").begin_array();
    for (const auto& c : scope.figures) {
      json.begin_object();
      json.key("figure").value(figure_name(c.figure));
      json.key("base").value(c.base);
      json.key("next").value(c.next);
      json.key("change").value(c.change);
      json.key("low").value(c.low);
      json.key("high").value(c.high);
      json.key("verdict").value(verdict_name(c.verdict));
      json.end_object();
    }
    json.end_array().end_object();
  }
  json.end_array();
  json.key("notes").begin_array();
  for (const auto& note : comparison.notes) json.value(note);
  json.end_array();
  json.key("rules").begin_array();
  for (const auto& o : outcomes) {
    json.begin_object().key("rule").value(o.rule.text).key("failed").value(o.failed);
    json.key("reason").value(o.reason).end_object();
  }
  json.end_array();
  json.end_object();
  return out;
}

}  // namespace hone::analyze
