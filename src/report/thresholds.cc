#include "report/thresholds.h"

#include <simdjson.h>

#include <charconv>
#include <cstdio>
#include <set>

#include "core/strings.h"

namespace hone::report {
namespace {

const std::set<std::string> kLatencyMetrics = {"min", "mean", "p999", "max"};

// "p" followed by a percentile in (0, 100], such as p75 or p99.99.
bool is_percentile(const std::string& metric) {
  if (metric.size() < 2 || metric[0] != 'p') return false;
  double value = 0;
  const auto [end, ec] = std::from_chars(metric.data() + 1, metric.data() + metric.size(), value);
  return ec == std::errc() && end == metric.data() + metric.size() && value > 0 && value <= 100;
}

bool is_plain_latency(const std::string& metric) {
  return kLatencyMetrics.count(metric) != 0 || is_percentile(metric);
}

bool is_latency(const std::string& metric) {
  return is_plain_latency(metric) ||
         (starts_with(metric, "service_") && is_plain_latency(metric.substr(8)));
}

bool is_rate(const std::string& metric) {
  return metric == "error_rate" || metric == "success_rate";
}

bool is_count(const std::string& metric) {
  return metric == "rps" || metric == "requests" || metric == "failed";
}

double latency_metric(const HdrHistogram& h, const std::string& metric) {
  if (metric == "min") return static_cast<double>(h.min());
  if (metric == "mean") return h.mean();
  if (metric == "max") return static_cast<double>(h.max());
  if (metric == "p999") return static_cast<double>(h.value_at_percentile(99.9));
  double percentile = 0;
  std::from_chars(metric.data() + 1, metric.data() + metric.size(), percentile);
  return static_cast<double>(h.value_at_percentile(percentile));
}

// The value with its unit converted: us for latencies, a fraction for rates.
Result<double> parse_value(const std::string& metric, std::string_view text) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  double number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, number);
  if (digits == 0 || ec != std::errc() || end != text.data() + digits) {
    return fail("expected a number after the comparison");
  }
  const std::string unit = to_lower(trim(text.substr(digits)));
  if (is_latency(metric)) {
    if (unit.empty() || unit == "ms") return number * 1000;
    if (unit == "us") return number;
    if (unit == "s") return number * 1e6;
    return fail("latency thresholds take us, ms or s, not '" + unit + "'");
  }
  if (is_rate(metric)) {
    if (unit == "%") return number / 100;
    if (unit.empty()) return number;
    return fail("rate thresholds take % or a fraction, not '" + unit + "'");
  }
  if (!unit.empty()) return fail("'" + metric + "' takes a plain number, not '" + unit + "'");
  return number;
}

}  // namespace

Result<Threshold> parse_threshold(const std::string& text) {
  const auto bad = [&text](const std::string& why) {
    return fail("threshold '" + text + "': " + why);
  };
  Threshold threshold;
  threshold.text = text;
  std::string_view rest = trim(text);
  const auto op_at = rest.find_first_of("<>=");
  if (op_at == std::string_view::npos) return bad("no comparison (<, <=, >, >=, ==)");
  std::string_view left = trim(rest.substr(0, op_at));
  std::size_t op_length = 1;
  if (op_at + 1 < rest.size() && rest[op_at + 1] == '=') op_length = 2;
  threshold.op = std::string(rest.substr(op_at, op_length));
  if (threshold.op == "=") return bad("use == for equality");
  if (const auto colon = left.rfind(':'); colon != std::string_view::npos) {
    threshold.endpoint = std::string(trim(left.substr(0, colon)));
    left = trim(left.substr(colon + 1));
  }
  threshold.metric = to_lower(left);
  if (!is_latency(threshold.metric) && !is_rate(threshold.metric) && !is_count(threshold.metric)) {
    return bad("unknown metric '" + threshold.metric +
               "' (p50, p90, p95, p99, p999, min, mean, max, service_p99, ..., rps, requests, "
               "failed, error_rate, success_rate)");
  }
  auto value = parse_value(threshold.metric, rest.substr(op_at + op_length));
  if (!value) return bad(value.error().message);
  threshold.value = *value;
  return threshold;
}

std::vector<std::string> recorded_thresholds(const LoadResult& result) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(result.config_json)["thresholds"].get_array().get(list) != simdjson::SUCCESS) {
    return out;
  }
  for (const auto item : list) {
    std::string_view text;
    if (item.get_string().get(text) == simdjson::SUCCESS) out.emplace_back(text);
  }
  return out;
}

std::vector<ThresholdOutcome> evaluate_thresholds(const LoadResult& result,
                                                  const std::vector<Threshold>& thresholds) {
  std::vector<ThresholdOutcome> outcomes;
  for (const auto& threshold : thresholds) {
    ThresholdOutcome outcome;
    outcome.threshold = threshold;
    const Stats* stats = &result.total;
    if (!threshold.endpoint.empty()) {
      stats = nullptr;
      for (const auto& endpoint : result.endpoints) {
        if (endpoint.name == threshold.endpoint) stats = &endpoint.stats;
      }
    }
    if (stats == nullptr) {
      outcome.note = "no endpoint named '" + threshold.endpoint + "'";
      outcomes.push_back(outcome);
      continue;
    }
    const std::string& m = threshold.metric;
    const double requests = static_cast<double>(stats->requests);
    if (starts_with(m, "service_")) {
      outcome.actual = latency_metric(stats->service, m.substr(8));
    } else if (is_latency(m)) {
      outcome.actual = latency_metric(stats->latency, m);
    } else if (m == "rps") {
      outcome.actual = result.duration_s > 0 ? requests / result.duration_s : 0;
    } else if (m == "requests") {
      outcome.actual = requests;
    } else if (m == "failed") {
      outcome.actual = static_cast<double>(stats->failed);
    } else if (m == "error_rate") {
      outcome.actual = requests > 0 ? static_cast<double>(stats->failed) / requests : 0;
    } else {
      outcome.actual = requests > 0 ? static_cast<double>(stats->ok) / requests : 0;
    }
    const double a = outcome.actual;
    const double v = threshold.value;
    const std::string& op = threshold.op;
    outcome.passed = (op == "<" && a < v) || (op == "<=" && a <= v) || (op == ">" && a > v) ||
                     (op == ">=" && a >= v) || (op == "==" && a == v);
    if (requests == 0 && is_latency(m)) {
      outcome.passed = false;
      outcome.note = "no requests finished";
    }
    outcomes.push_back(outcome);
  }
  return outcomes;
}

std::string format_metric(const std::string& metric, double value) {
  char text[64];
  if (is_latency(metric)) {
    if (value >= 1e6) {
      std::snprintf(text, sizeof text, "%.2fs", value / 1e6);
    } else if (value >= 1e3) {
      std::snprintf(text, sizeof text, "%.2fms", value / 1e3);
    } else {
      std::snprintf(text, sizeof text, "%.0fus", value);
    }
  } else if (is_rate(metric)) {
    std::snprintf(text, sizeof text, "%.3g%%", value * 100);
  } else {
    std::snprintf(text, sizeof text, "%.1f", value);
  }
  return text;
}

}  // namespace hone::report
