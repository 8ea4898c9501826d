// A sweep file (hone sweep SWEEP.yaml): a target (a hone serve the sweep starts per configuration,
// or a URL), parameters whose values are crossed into configurations, load levels (a list of
// rates or concurrencies, or a search for the highest rate that meets the SLO), the SLO, and when
// a point counts as stable. Paths are relative to the sweep file.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/result.h"
#include "report/thresholds.h"

namespace hone::sweep {

// One parameter: a hone serve flag ("--threads"), a key of every model's config.yaml
// ("model.batching.max_queue_delay"), or the load's scenario file ("scenario", e.g. the same
// requests over data that repeats more or less), with the values to try (as written).
struct Parameter {
  std::string key;
  std::vector<std::string> values;
  bool is_flag() const { return key.rfind("--", 0) == 0; }
};

// One combination: a value for each parameter, in the parameters' order.
using Configuration = std::vector<std::pair<std::string, std::string>>;
std::string describe(const Configuration& configuration);  // "cache=on threads=2", or "as given"

struct Stability {
  double window_s = 2;
  int windows = 3;
  double tolerance = 0.10;
  double max_time_s = 30;
};

struct SweepSpec {
  std::string file;
  // serve target: hone serve with `models` (a repository) and `serve_args`
  std::string models;
  std::vector<std::string> serve_args;
  std::vector<int> serve_cpus;  // pin the server to these CPUs (as taskset); empty: anywhere
  std::string url;              // url target
  std::vector<Parameter> parameters;
  std::string scenario;  // the load's scenario file
  bool closed = false;   // levels are concurrencies
  std::vector<double> levels;
  bool search = false;  // search: max_rate
  double search_start = 100;
  double search_resolution = 0.05;
  double search_max = 1e6;
  int threads = 1;
  std::vector<int> load_cpus;  // pin the load generator to these CPUs
  std::string slo_text;
  std::vector<report::Threshold> slo;
  Stability stability;
  std::string out = "sweep-out";

  std::vector<Configuration> configurations() const;  // the parameters crossed
};

Result<SweepSpec> read_sweep(const std::string& path);

}  // namespace hone::sweep
