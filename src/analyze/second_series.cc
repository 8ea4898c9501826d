#include "analyze/second_series.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>

namespace hone::analyze {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kPercentiles[] = {50, 90, 99, 99.9};
}  // namespace

const char* figure_name(int figure) {
  static const char* const kNames[] = {"rps", "error_rate", "p50", "p90", "p99", "p99.9"};
  return kNames[figure];
}

bool lower_is_better(int figure) { return figure != kRps; }
bool is_latency(int figure) { return figure >= kP50; }

Figures summary_figures(const report::LoadResult& result, const std::string& endpoint) {
  const report::Stats* stats = &result.total;
  double duration = result.duration_s;
  if (!endpoint.empty()) {
    for (const auto& e : result.endpoints) {
      if (e.name != endpoint) continue;
      stats = &e.stats;
      if (e.duration_s > 0) duration = e.duration_s;
    }
  }
  Figures out;
  out.fill(kNaN);
  out[kRps] = duration > 0 ? static_cast<double>(stats->requests) / duration : kNaN;
  if (stats->requests > 0) {
    out[kErrorRate] = static_cast<double>(stats->failed) / static_cast<double>(stats->requests);
  }
  if (stats->latency.count() > 0) {
    for (int i = 0; i < 4; ++i) {
      out[kP50 + i] = static_cast<double>(stats->latency.value_at_percentile(kPercentiles[i]));
    }
  }
  return out;
}

SecondSeries::SecondSeries(const std::vector<report::EndpointSecond>& seconds) {
  std::size_t first = 0;
  std::size_t last = seconds.size();
  if (seconds.size() > 4) {
    first = 1;
    last = seconds.size() - 1;
  }
  // Compact the buckets used anywhere into one ascending index.
  std::map<std::uint32_t, std::uint32_t> compact;
  for (std::size_t i = first; i < last; ++i) {
    for (const auto& [index, count] : seconds[i].latency.counts) compact.emplace(index, 0);
  }
  const HdrHistogram layout = report::make_timeline_histogram();
  for (auto& [index, position] : compact) {
    position = static_cast<std::uint32_t>(bucket_values_.size());
    bucket_values_.push_back(layout.value_of_index(index));
  }
  for (std::size_t i = first; i < last; ++i) {
    Second second;
    second.requests = seconds[i].requests;
    second.failed = seconds[i].failed;
    for (const auto& [index, count] : seconds[i].latency.counts) {
      second.counts.emplace_back(compact.at(index), count);
    }
    seconds_.push_back(std::move(second));
  }
  scratch_.assign(bucket_values_.size(), 0);
}

std::vector<std::size_t> SecondSeries::all() const {
  std::vector<std::size_t> picks(seconds_.size());
  for (std::size_t i = 0; i < picks.size(); ++i) picks[i] = i;
  return picks;
}

double SecondSeries::lag1_autocorrelation() const {
  std::vector<double> medians;
  for (const Second& second : seconds_) {
    std::int64_t total = 0;
    for (const auto& [position, count] : second.counts) total += count;
    if (total == 0) continue;
    std::int64_t seen = 0;
    // counts are in bucket order: the compact index grows with the bucket index
    for (const auto& [position, count] : second.counts) {
      seen += count;
      if (2 * seen >= total) {
        medians.push_back(std::log(static_cast<double>(bucket_values_[position])));
        break;
      }
    }
  }
  if (medians.size() < 8) return 0;
  double mean = 0;
  for (double m : medians) mean += m;
  mean /= static_cast<double>(medians.size());
  double num = 0;
  double den = 0;
  for (std::size_t i = 0; i < medians.size(); ++i) {
    den += (medians[i] - mean) * (medians[i] - mean);
    if (i > 0) num += (medians[i] - mean) * (medians[i - 1] - mean);
  }
  return den > 0 ? std::clamp(num / den, 0.0, 0.95) : 0;
}

Figures SecondSeries::figures(const std::vector<std::size_t>& picks) const {
  Figures out;
  out.fill(kNaN);
  if (picks.empty()) return out;
  std::fill(scratch_.begin(), scratch_.end(), 0);
  std::int64_t requests = 0;
  std::int64_t failed = 0;
  std::int64_t answered = 0;
  for (const std::size_t pick : picks) {
    const Second& second = seconds_[pick];
    requests += second.requests;
    failed += second.failed;
    for (const auto& [position, count] : second.counts) {
      scratch_[position] += count;
      answered += count;
    }
  }
  out[kRps] = static_cast<double>(requests) / static_cast<double>(picks.size());
  if (requests > 0) out[kErrorRate] = static_cast<double>(failed) / static_cast<double>(requests);
  if (answered == 0) return out;
  int next = 0;
  std::int64_t seen = 0;
  for (std::size_t position = 0; position < scratch_.size() && next < 4; ++position) {
    seen += scratch_[position];
    while (next < 4 && seen >= std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(
                                                             kPercentiles[next] / 100.0 *
                                                             static_cast<double>(answered))))) {
      out[kP50 + next] = static_cast<double>(bucket_values_[position]);
      ++next;
    }
  }
  return out;
}

}  // namespace hone::analyze
