#include "report/merge.h"

#include <algorithm>
#include <cmath>

namespace hone::report {

Result<LoadResult> merge_results(const std::vector<LoadResult>& results) {
  if (results.empty()) return fail("nothing to merge");
  LoadResult merged = results.front();
  auto end_ms = [](const LoadResult& r) {
    return r.started_ms + static_cast<std::int64_t>(std::llround(r.duration_s * 1000));
  };
  std::int64_t latest_end = end_ms(merged);
  for (std::size_t i = 1; i < results.size(); ++i) {
    const LoadResult& next = results[i];
    if (next.schedule.model != merged.schedule.model) {
      return fail("cannot merge an " + next.schedule.model + "-model run with an " +
                  merged.schedule.model + "-model run");
    }
    merged.total.add(next.total);
    for (const auto& endpoint : next.endpoints) {
      if (Stats* mine = merged.endpoint(endpoint.name)) {
        mine->add(endpoint.stats);
        for (auto& own : merged.endpoints) {
          if (own.name == endpoint.name)
            own.duration_s = std::max(own.duration_s, endpoint.duration_s);
        }
      } else {
        merged.endpoints.push_back(endpoint);
      }
    }
    for (const auto& row : next.timeline) add_timeline_row(merged.timeline, row);
    merged.schedule.target_rps += next.schedule.target_rps;
    merged.schedule.intended += next.schedule.intended;
    merged.schedule.sent += next.schedule.sent;
    merged.schedule.lag.add(next.schedule.lag);
    merged.schedule.lag_when_connections_free += next.schedule.lag_when_connections_free;
    merged.schedule.max_connections += next.schedule.max_connections;
    merged.started_ms = std::min(merged.started_ms, next.started_ms);
    latest_end = std::max(latest_end, end_ms(next));
    merged.shards += next.shards;
  }
  merged.duration_s = static_cast<double>(latest_end - merged.started_ms) / 1000.0;
  return merged;
}

}  // namespace hone::report
