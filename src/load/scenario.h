// Scenario files for `hone load --scenario FILE.yaml` and `hone load suite FILE.yaml`:
//
//   base_url: http://127.0.0.1:8000
//   rate: 200                  # or concurrency: 20; optional stages: "30s:100,1m:500" or a list
//   duration: 1m               # of {duration, target}; think_time: 100ms or 100ms-500ms
//   headers: {X-Team: ml}
//   thresholds: ["p99<200ms", "error_rate<1%"]
//   endpoints:
//     - name: predict
//       weight: 3
//       method: POST
//       path: /v2/models/ceramic-armor/infer
//       headers: {Content-Type: application/json}
//       body: '{"inputs": ...}'          # or body_file: predict.json (relative to this file)
//       data: {file: rows.csv, order: random}   # then body is a template: {{column}}
//       expect: {status: [200], body_contains: '"outputs"'}
//
// Mistakes stop the run with FILE:LINE:COLUMN and the reason.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "load/plan.h"
#include "load/profile.h"

namespace hone::load {

struct ScenarioEndpoint {
  std::string where;  // FILE:LINE:COL of the entry, for later errors
  std::string name;
  double weight = 1;
  std::string method;
  std::string path;
  HeaderList headers;
  std::string body;
  std::string data_file;  // resolved against the scenario's folder
  FeedOrder order = FeedOrder::kSequential;
  std::vector<int> expect_status;
  std::string expect_body;
};

struct ScenarioFile {
  std::string path;
  std::string base_url;
  std::optional<double> rate;
  std::optional<double> concurrency;
  std::optional<std::vector<Stage>> stages;
  std::optional<double> duration_s;
  std::string preset;
  std::optional<double> scale;
  std::string think;
  std::optional<double> timeout_s;
  int threads = 0;
  int connections = 0;
  HeaderList headers;
  std::vector<std::string> thresholds;
  std::string bearer;
  std::string jwt_secret;
  std::string jwt_claims;
  std::optional<double> jwt_expiry_s;
  std::string metrics_url;
  std::optional<double> metrics_interval_s;
  std::vector<ScenarioEndpoint> endpoints;
};

Result<ScenarioFile> read_scenario(const std::string& path);

}  // namespace hone::load
