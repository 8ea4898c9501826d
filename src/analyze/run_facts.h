// The figures of one run that the analysis rules read, computed once: the run's seconds (counts
// and latency percentiles), its totals, and from the server's scraped series the per-model
// breakdown (hone's stage histograms, or Triton's duration counters), cache counters and batch
// sizes. Internal to the analyze area.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "report/result.h"

namespace hone::analyze {

struct SecondFacts {
  std::int64_t t = 0;  // Unix second
  double requests = 0;
  double ok = 0;
  double failed = 0;
  double p50_us = 0;  // 0 when the second had no answer
  double p99_us = 0;
  double mean_us = 0;
  double answered = 0;  // answers with a latency
};

// Where a model's time went on the server, means per request in microseconds.
struct ServerBreakdown {
  std::string model;
  std::string source;  // "hone" or "triton"
  double requests = 0;
  double total_us = 0;  // the server's own request time
  double queue_us = 0;
  double compute_us = 0;
  double serialize_us = 0;   // encoding (hone), compute_output (Triton)
  double input_us = 0;       // decoding the request (hone), compute_input (Triton)
  double batch_rows = 0;     // mean rows per backend call seen by a request; 0 unknown
  double pending_max = 0;    // requests in flight at most (hone); 0 unknown
  double pending_first = 0;  // in flight at the first and last scrape
  double pending_last = 0;
};

struct RunFacts {
  std::vector<SecondFacts> seconds;  // in time order, partial first and last included
  double duration_s = 0;
  double offered_rps = 0;  // open model: the schedule's target; 0 for closed-model runs
  bool open_model = false;
  double requests = 0;
  double ok = 0;
  double failed = 0;
  double p50_us = 0;
  double p99_us = 0;
  double mean_us = 0;                   // latency from the intended send time
  double service_mean_us = 0;           // from the actual send
  std::vector<ServerBreakdown> models;  // busiest first
  std::optional<double> cache_hits;     // over the run, from hone's counters
  std::optional<double> cache_misses;
  std::optional<double> cache_evictions;
  std::optional<double> repeat_ratio;  // requests repeating an earlier body, of body requests
  double body_requests = 0;
};

RunFacts gather_facts(const report::LoadResult& result);

// The median of `values` (0 when empty).
double median_of(std::vector<double> values);

}  // namespace hone::analyze
