// hone sweep: every configuration of a sweep file against its load levels (or a search for the
// highest rate under the SLO), each point run until stable; then the best configuration under the
// SLO and its margin over the next. A result file per point is written as it finishes, then
// sweep.csv (a row per point) and sweep.html (throughput-latency curves per configuration).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "sweep/point.h"
#include "sweep/sweep_spec.h"

namespace hone::sweep {

struct ConfigurationOutcome {
  Configuration configuration;
  std::vector<PointOutcome> points;  // in the order they ran
  std::vector<std::string> files;    // each point's result file
  double best_level = 0;             // the highest level that met the SLO; 0: none
  double best_rps = 0;               // what that point answered per second
  std::string note;                  // e.g. the generator limited the search
};

struct SweepOutcome {
  std::vector<ConfigurationOutcome> configurations;
  // The configuration with the highest throughput under the SLO (within 1%, the lower p99 at
  // that point); -1 when none met it.
  int best = -1;
  double margin = 0;          // its throughput over the next best's, minus one
  double latency_margin = 0;  // its p99 over the next best's, minus one
};

// p99 (us) of a configuration's best point; 0 when none met the SLO.
double best_p99_us(const ConfigurationOutcome& configuration);

// `progress` gets a line as each point starts and ends.
Result<SweepOutcome> run_sweep(const SweepSpec& spec,
                               const std::function<void(const std::string&)>& progress);
Status write_sweep_outputs(const SweepSpec& spec, const SweepOutcome& outcome);
std::string format_sweep_summary(const SweepSpec& spec, const SweepOutcome& outcome);

}  // namespace hone::sweep
