// The pieces of hone demo's story: the demo models under a given serving configuration, a data
// file in which some inputs repeat, a scenario for both models, and one measured load run.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "report/result.h"

namespace hone::cli {

// The serving settings the story changes, as config.yaml keys.
struct ServingChoice {
  bool cache = false;
  std::string max_queue_delay = "2ms";
};

// Copies the demo models from `from` into `to` with `choice` written into each config.yaml.
Status write_repository(const std::string& from, const std::string& to,
                        const ServingChoice& choice);

// Writes DIR/ceramic.csv and DIR/fraud.csv (rows of each model's synthetic data; about 60% of the
// lines repeat a few popular inputs) and DIR/scenario.yaml for both models against `base_url`.
Status write_workload(const std::string& dir, const std::string& base_url);

// One open-model run of the scenario at `rate` for `seconds`, the server's /metrics scraped.
Result<report::LoadResult> run_workload(const std::string& dir, const std::string& base_url,
                                        double rate, double seconds);

}  // namespace hone::cli
