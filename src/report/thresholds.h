// Pass/fail criteria for CI, k6-style: "p99<200ms", "error_rate<1%", "rps>1000",
// optionally for one endpoint: "predict:p95<=50ms". Metrics: min, mean, p50, p90, p95, p99,
// p999, max (latency from the intended send time), the same with a "service_" prefix (from the
// actual send), rps, requests, failed, error_rate, success_rate. Durations take us, ms, s
// (a bare number is ms); rates take % or a fraction.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "report/result.h"

namespace hone::report {

struct Threshold {
  std::string text;      // as written
  std::string endpoint;  // empty = the whole run
  std::string metric;
  std::string op;    // <, <=, >, >=, ==
  double value = 0;  // in the metric's unit: us for latencies, fraction for rates
};

struct ThresholdOutcome {
  Threshold threshold;
  double actual = 0;
  bool passed = false;
  std::string note;  // e.g. the endpoint does not exist
};

Result<Threshold> parse_threshold(const std::string& text);
// The thresholds a run was made with, as its config recorded them.
std::vector<std::string> recorded_thresholds(const LoadResult& result);
std::vector<ThresholdOutcome> evaluate_thresholds(const LoadResult& result,
                                                  const std::vector<Threshold>& thresholds);
// "812us", "1.25%", "1032.5" for the metric's unit.
std::string format_metric(const std::string& metric, double value);

}  // namespace hone::report
