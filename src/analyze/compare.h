// Comparing runs: for the whole run and each endpoint both sides have, the change of throughput,
// error rate and latency percentiles, each with a 95% confidence interval and a verdict.
//
// One run on each side: a moving-block bootstrap over the runs' seconds (blocks of about the
// cube root of the run's length), so that latencies that move together inside a run (a stall,
// a slow minute) widen the interval instead of passing for independent samples. Several runs on
// each side: run-level statistics, each run one observation (Welch's t interval on the means).
// A change is significant when its interval excludes zero and it is at least `min_change`
// (relative; for the error rate, `min_error_change` in absolute terms): a 1% shift measured very
// precisely is still "no significant change" for a performance question.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "analyze/second_series.h"
#include "core/result.h"
#include "report/result.h"

namespace hone::analyze {

enum class Verdict { kBetter, kWorse, kNoChange };
const char* verdict_name(Verdict verdict);  // "better", "worse", "no significant change"

struct FigureChange {
  int figure = kRps;
  double base = 0;  // point estimates: req/s, fraction, microseconds
  double next = 0;
  double change = 0;  // next / base - 1; for the error rate next - base
  double low = 0;     // 95% confidence interval of `change`
  double high = 0;
  Verdict verdict = Verdict::kNoChange;
};

struct ScopeChange {
  std::string scope;                  // "" for the whole run, else an endpoint's name
  std::vector<FigureChange> figures;  // figures defined on both sides
};

struct CompareOptions {
  double min_change = 0.05;
  double min_error_change = 0.001;
  int resamples = 2000;
  std::uint64_t seed = 1;
};

struct Comparison {
  std::string method;  // how the intervals were computed, in words
  std::vector<ScopeChange> scopes;
  std::vector<std::string> notes;  // e.g. an endpoint only one side has
  // When both sides have one and the same endpoint, the whole run is that endpoint: its name.
  std::string only_endpoint;
};

// `base` and `next` hold one run each, or at least two each.
Result<Comparison> compare_runs(const std::vector<report::LoadResult>& base,
                                const std::vector<report::LoadResult>& next,
                                const CompareOptions& options = {});

}  // namespace hone::analyze
