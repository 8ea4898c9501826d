// When a sweep point is stable: its last windows agree on throughput (successful answers per
// second) and on the SLO's latency percentile, each within the tolerance of their mean; latencies
// within a floor set by the SLO always agree.
#pragma once

#include <vector>

#include "sweep/sweep_spec.h"

namespace hone::sweep {

struct Window {
  double ok_per_s = 0;
  double latency_us = 0;
};

// A quarter of the SLO's tightest latency limit, at least 1 ms.
double latency_floor_us(const SweepSpec& spec);

// Whether the last `last` windows agree.
bool agree(const std::vector<Window>& windows, int last, double tolerance, double floor_us);

}  // namespace hone::sweep
