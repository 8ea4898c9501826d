#include "report/timeline_csv.h"

#include <cstdio>

namespace hone::report {

void write_timeline_csv(const LoadResult& result, std::string& out) {
  out += "second,elapsed_s,requests,ok,failed,bytes_in,p50_us,p90_us,p99_us,max_us\n";
  const std::int64_t first = result.started_ms / 1000;
  for (const auto& row : result.timeline) {
    std::int64_t p50 = 0;
    std::int64_t p90 = 0;
    std::int64_t p99 = 0;
    std::int64_t max = 0;
    if (auto h = HdrHistogram::from_sparse(row.latency); h && h->count() > 0) {
      p50 = h->value_at_percentile(50);
      p90 = h->value_at_percentile(90);
      p99 = h->value_at_percentile(99);
      max = h->max();
    }
    char line[256];
    std::snprintf(line, sizeof line, "%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld,%lld\n",
                  static_cast<long long>(row.second), static_cast<long long>(row.second - first),
                  static_cast<long long>(row.requests), static_cast<long long>(row.ok),
                  static_cast<long long>(row.failed), static_cast<long long>(row.bytes_in),
                  static_cast<long long>(p50), static_cast<long long>(p90),
                  static_cast<long long>(p99), static_cast<long long>(max));
    out += line;
  }
}

}  // namespace hone::report
