#include "report/result.h"

#include <algorithm>

namespace hone::report {

HdrHistogram make_latency_histogram() { return HdrHistogram(1, 3'600'000'000, 3); }
HdrHistogram make_timeline_histogram() { return HdrHistogram(1, 3'600'000'000, 2); }

void Stats::add(const Stats& other) {
  latency.add(other.latency);
  service.add(other.service);
  latency_ok.add(other.latency_ok);
  requests += other.requests;
  ok += other.ok;
  failed += other.failed;
  bytes_in += other.bytes_in;
  bytes_out += other.bytes_out;
  for (const auto& [status, count] : other.by_status) by_status[status] += count;
  for (const auto& [status, count] : other.failed_by_status) failed_by_status[status] += count;
  for (const auto& [kind, count] : other.by_kind) by_kind[kind] += count;
}

double GeneratorCpu::stolen_share(double duration_s) const {
  if (machine_cpus <= 0 || duration_s <= 0) return 0;
  return std::clamp(machine_steal_s / (machine_cpus * duration_s), 0.0, 1.0);
}

double GeneratorCpu::busy(double duration_s) const {
  if (threads <= 0 || duration_s <= 0) return 0;
  // A host that kept nearly all of the time leaves nothing to judge by: at most 90% is taken off.
  const double runnable_s = threads * duration_s * (1 - std::min(stolen_share(duration_s), 0.9));
  return used_s / runnable_s;
}

double LoadResult::rps() const {
  return duration_s > 0 ? static_cast<double>(total.requests) / duration_s : 0;
}

double LoadResult::error_rate() const {
  return total.requests > 0
             ? static_cast<double>(total.failed) / static_cast<double>(total.requests)
             : 0;
}

Stats* LoadResult::endpoint(const std::string& name) {
  for (auto& endpoint : endpoints) {
    if (endpoint.name == name) return &endpoint.stats;
  }
  return nullptr;
}

void add_timeline_row(std::vector<TimelineRow>& timeline, const TimelineRow& row) {
  auto it = std::lower_bound(timeline.begin(), timeline.end(), row.second,
                             [](const TimelineRow& r, std::int64_t s) { return r.second < s; });
  if (it == timeline.end() || it->second != row.second) {
    it = timeline.insert(it, TimelineRow{});
    it->second = row.second;
  }
  it->requests += row.requests;
  it->ok += row.ok;
  it->failed += row.failed;
  it->bytes_in += row.bytes_in;
  HdrHistogram::merge_sparse(it->latency, row.latency);
  for (const auto& [name, second] : row.endpoints) {
    EndpointSecond& mine = it->endpoints[name];
    mine.requests += second.requests;
    mine.ok += second.ok;
    mine.failed += second.failed;
    HdrHistogram::merge_sparse(mine.latency, second.latency);
  }
}

std::vector<EndpointSecond> seconds_of(const LoadResult& result, const std::string& endpoint) {
  const bool whole = endpoint.empty() ||
                     (result.endpoints.size() == 1 && result.endpoints.front().name == endpoint);
  std::vector<EndpointSecond> out;
  out.reserve(result.timeline.size());
  for (const TimelineRow& row : result.timeline) {
    if (whole) {
      out.push_back({row.requests, row.ok, row.failed, row.latency});
      continue;
    }
    const auto found = row.endpoints.find(endpoint);
    out.push_back(found == row.endpoints.end() ? EndpointSecond{} : found->second);
  }
  return out;
}

}  // namespace hone::report
