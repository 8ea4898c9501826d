// One point of a sweep: the scenario at one load level against one server, run until stable
// (the last `windows` windows of `window` seconds agree within the tolerance on throughput and on
// the SLO's latency percentile) or until the time limit, then judged against the SLO.
#pragma once

#include <string>

#include "core/result.h"
#include "report/result.h"
#include "report/thresholds.h"
#include "sweep/sweep_spec.h"

namespace hone::sweep {

struct PointOutcome {
  report::LoadResult result;
  double level = 0;  // the rate or the concurrency asked for
  bool stable = false;
  double stable_after_s = 0;
  bool slo_met = false;
  bool generator_behind = false;  // the result measures the generator, not the server
  std::string reason;             // why the SLO was not met, in words
};

Result<PointOutcome> run_point(const SweepSpec& spec, const std::string& scenario,
                               const std::string& base_url, const std::string& metrics_url,
                               double level);

}  // namespace hone::sweep
