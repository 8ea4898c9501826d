#include "report/schedule_check.h"

#include <cstdio>

namespace hone::report {

ScheduleVerdict check_schedule(const LoadResult& result) {
  ScheduleVerdict verdict;
  const Schedule& s = result.schedule;
  if (s.model != "open" || s.intended == 0) return verdict;
  verdict.send_ratio = static_cast<double>(s.sent) / static_cast<double>(s.intended);
  const std::int64_t lag_p99 = s.lag.value_at_percentile(99);
  verdict.behind = verdict.send_ratio < 0.99 || lag_p99 > kLagLimitUs;
  if (!verdict.behind) return verdict;
  char text[512];
  const bool generator_late = s.sent > 0 && static_cast<double>(s.lag_when_connections_free) >
                                                0.01 * static_cast<double>(s.sent);
  std::snprintf(
      text, sizeof text,
      "behind schedule: sent %lld of %lld intended requests (%.1f%%), send lag p99 %.1f ms; %s",
      static_cast<long long>(s.sent), static_cast<long long>(s.intended), 100 * verdict.send_ratio,
      static_cast<double>(lag_p99) / 1000,
      generator_late ? "sends were late while connections were free: the generator ran out of CPU "
                       "(add --threads or split the rate over machines with --shard)"
                     : "every connection was busy: the server is slower than the offered rate, or "
                       "--connections is too low (latencies still count from the intended times)");
  verdict.warning = text;
  return verdict;
}

}  // namespace hone::report
