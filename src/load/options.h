// Everything a user can say about a load run, from flags (and the same keys in a scenario
// file), before it is resolved into a LoadPlan by build_plan().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "load/plan.h"

namespace hone::load {

struct LoadOptions {
  std::string url;                    // base URL (or the one URL to hit)
  std::optional<double> rate;         // open model, requests/s
  std::optional<double> concurrency;  // closed model, virtual users
  std::string stages;                 // "30s:100,1m:500"
  std::optional<double> duration_s;
  std::string preset;
  std::optional<double> scale;
  std::string scenario_file;
  std::string method;
  std::vector<std::string> headers;  // "Name: value"
  std::string body;                  // text, or @FILE
  std::string bearer;
  std::string jwt_secret;
  std::string jwt_claims;
  std::optional<double> jwt_expiry_s;
  std::vector<std::string> thresholds;
  int threads = 0;
  int connections = 0;
  std::optional<double> timeout_s;
  std::string think;     // "200ms" or "100ms-500ms"
  std::string shard;     // "i/N", 0-based
  std::string start_at;  // a wall-clock moment (see parse_wall_time_ms); empty: at once
  bool insecure = false;
  std::vector<int> expect_status;
  std::string expect_body;
  std::optional<std::uint64_t> seed;
  std::string metrics_url;  // absolute, or a path on the base URL's server
  std::optional<double> metrics_interval_s;
};

// Resolves options (reading the scenario file, data files and body files they name) into a
// plan. Errors are one line and name the file, line and reason where there is one.
Result<LoadPlan> build_plan(const LoadOptions& options);

// The plans of `hone load suite`: one per endpoint of the scenario, each alone.
Result<std::vector<LoadPlan>> build_suite_plans(const LoadOptions& options);

}  // namespace hone::load
