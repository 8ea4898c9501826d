// Whether an open-model run kept to its schedule, and if not, why: a generator that falls
// behind must say so instead of reporting flattering numbers.
#pragma once

#include <string>

#include "report/result.h"

namespace hone::report {

// A run is behind when it dispatched under 99% of the requests its schedule intended, or when
// sends were late by more than kLagLimitUs at the 99th percentile. A request whose connection
// attempt failed counts as dispatched: it is an error, not a missed send.
inline constexpr std::int64_t kLagLimitUs = 50'000;

struct ScheduleVerdict {
  double send_ratio = 1;  // (sent + connect failures) / intended (1 for closed-model runs)
  std::int64_t connect_failed = 0;
  bool behind = false;
  // Behind, with more than 1% of the sends late while a connection was free, beyond the share of
  // the machine's CPU time its hypervisor kept (whose pauses stop an idle generator too): the
  // generator itself could not send this rate.
  bool generator_late = false;
  std::string warning;  // empty when on schedule
};

ScheduleVerdict check_schedule(const LoadResult& result);

}  // namespace hone::report
