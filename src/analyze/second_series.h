// One run's seconds for one scope (the whole run or an endpoint), prepared for resampling: the
// figures compared between runs (throughput, error rate, latency percentiles) computed from any
// multiset of its seconds in time linear in the seconds' non-empty buckets.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "report/result.h"

namespace hone::analyze {

// The figures `hone report compare` compares, in one order.
enum Figure : int { kRps, kErrorRate, kP50, kP90, kP99, kP999, kFigureCount };
const char* figure_name(int figure);  // "rps", "error_rate", "p50", "p90", "p99", "p99.9"
bool lower_is_better(int figure);     // all but rps
bool is_latency(int figure);          // p50 .. p99.9, in microseconds

using Figures = std::array<double, kFigureCount>;  // NaN where undefined (no answers)

// A scope's figures from a result's summary (exact: 3-significant-digit histograms, the
// run's or the endpoint's duration).
Figures summary_figures(const report::LoadResult& result, const std::string& endpoint);

class SecondSeries {
 public:
  // `seconds` in time order; the first and last are dropped when there are more than four
  // (a run starts and ends inside a second, which would read as a throughput dip).
  explicit SecondSeries(const std::vector<report::EndpointSecond>& seconds);

  std::size_t size() const { return seconds_.size(); }
  // The figures of the seconds at `picks` (indices, repeats allowed), rps per second.
  Figures figures(const std::vector<std::size_t>& picks) const;
  std::vector<std::size_t> all() const;
  // Lag-1 autocorrelation of the seconds' median latencies (0 when there are too few): how
  // alike neighbouring seconds are, which sets the bootstrap's block length.
  double lag1_autocorrelation() const;

 private:
  struct Second {
    std::int64_t requests = 0;
    std::int64_t failed = 0;
    std::vector<std::pair<std::uint32_t, std::int64_t>> counts;  // compact bucket, count
  };
  std::vector<std::int64_t> bucket_values_;  // by compact bucket, ascending
  std::vector<Second> seconds_;
  mutable std::vector<std::int64_t> scratch_;
};

}  // namespace hone::analyze
