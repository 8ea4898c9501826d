// hone analyze: what one run says about the server and the generator. Findings (each with a
// kind, a severity, the evidence from the run and a one-line explanation), a health score with
// its parts, and recommendations with the gain this run's own figures predict. Offline: it reads
// a result file only (the client's view, and the server's series when --metrics-url scraped
// them). The rules and their limits are documented in docs/ANALYZE.md.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"

namespace hone::analyze {

enum class Severity { kLow, kMedium, kHigh };
const char* severity_name(Severity severity);  // "low", "medium", "high"

// A figure behind a finding; `unit`: "us", "ratio" (a fraction), "req/s", "s", "count", "rows".
struct Evidence {
  std::string name;
  double value = 0;
  std::string unit;
};
std::string format_evidence(const Evidence& evidence);  // "p99 12.3ms", "hit rate 4.0%"

struct Finding {
  std::string kind;  // generator_saturated, server_saturated, queueing, periodic_stall, errors,
                     // cache_ineffective, batching_ineffective, cold_start, connection_churn,
                     // cpu_stolen
  Severity severity = Severity::kLow;
  std::string summary;  // one line
  std::vector<Evidence> evidence;
};

struct ScorePart {
  std::string name;
  double weight = 0;   // the most this part can take off
  double penalty = 0;  // what it took off, 0..weight
  std::string basis;   // the figure it was computed from, in words
};

struct HealthScore {
  double score = 100;  // 100 minus the penalties
  std::vector<ScorePart> parts;
};

struct Recommendation {
  std::string finding;   // the kind it answers
  std::string action;    // what to change
  std::string expected;  // the gain this run predicts
  std::string config;    // the setting or flag, as written
  std::string sweep;     // the example sweep that tests the change (examples/sweeps/), if any
};

struct Analysis {
  std::vector<Finding> findings;  // most severe first
  HealthScore health;
  std::vector<Recommendation> recommendations;
};

Analysis analyze_result(const report::LoadResult& result);

// Text for a terminal, and the same as JSON (hone analyze --json).
std::string format_analysis(const Analysis& analysis);
std::string analysis_json(const Analysis& analysis);

}  // namespace hone::analyze
