#include "report/schedule_check.h"

#include <cstdio>
#include <string>

namespace hone::report {

ScheduleVerdict check_schedule(const LoadResult& result) {
  ScheduleVerdict verdict;
  const Schedule& s = result.schedule;
  if (s.model != "open" || s.intended == 0) return verdict;
  // A request whose connection attempt failed was dispatched on time: it is an error, not a
  // missed send (a dead target is not a slow one).
  const auto connect = result.total.by_kind.find(kErrorConnect);
  const std::int64_t connect_failed = connect == result.total.by_kind.end() ? 0 : connect->second;
  verdict.connect_failed = connect_failed;
  const std::int64_t dispatched = s.sent + connect_failed;
  verdict.send_ratio = static_cast<double>(dispatched) / static_cast<double>(s.intended);
  const std::int64_t lag_p99 = s.lag.value_at_percentile(99);
  verdict.behind = verdict.send_ratio < 0.99 || lag_p99 > kLagLimitUs;
  if (!verdict.behind) return verdict;
  const double late_share =
      s.sent > 0 ? static_cast<double>(s.lag_when_connections_free) / static_cast<double>(s.sent)
                 : 0;
  const double paused = s.cpu.stolen_share(result.duration_s);
  verdict.generator_late = late_share > 0.01 + paused;
  std::string cause;
  if (connect_failed > 0) {
    cause = "connections to the target failed (" + std::to_string(connect_failed) +
            " connect errors), so requests waited for one";
  } else if (verdict.generator_late) {
    cause =
        "sends were late while connections were free: the generator ran out of CPU (add "
        "--threads or split the rate over machines with --shard)";
  } else if (late_share > 0.01) {
    char host[200];
    std::snprintf(host, sizeof host,
                  "sends were late while connections were free, about as many as the share of "
                  "the machine's CPU time its hypervisor kept (%.0f%%): the host paused the "
                  "generator",
                  100 * paused);
    cause = host;
  } else {
    cause =
        "every connection was busy: the server is slower than the offered rate, or "
        "--connections is too low (latencies still count from the intended times)";
  }
  char text[160];
  std::snprintf(text, sizeof text,
                "behind schedule: sent %lld of %lld intended requests (%.1f%%), send lag p99 %.1f "
                "ms; ",
                static_cast<long long>(dispatched), static_cast<long long>(s.intended),
                100 * verdict.send_ratio, static_cast<double>(lag_p99) / 1000);
  verdict.warning = text + cause;
  return verdict;
}

}  // namespace hone::report
