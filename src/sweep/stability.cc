#include "sweep/stability.h"

#include <algorithm>
#include <cmath>

namespace hone::sweep {

// Latencies agree whatever the tolerance when they are within a quarter of the SLO's latency
// limit (at least 1 ms) of their mean: a p99 of 3 ms that reaches 6 ms for one second (a pause of
// the machine) is noise at the scale of a 20 ms objective, not a trend; a queue that builds past
// capacity moves the latency by the objective itself within seconds. (A tenth was too little on a
// busy 2-core machine: one noisy second stopped a max-rate search at 70% of capacity.)
double latency_floor_us(const SweepSpec& spec) {
  double floor = 1000;
  for (const auto& t : spec.slo) {
    const bool latency = t.endpoint.empty() && t.metric.size() > 1 && t.metric[0] == 'p';
    if (latency && (t.op == "<" || t.op == "<=")) floor = std::max(floor, t.value / 4);
  }
  return floor;
}

bool agree(const std::vector<Window>& windows, int last, double tolerance, double floor_us) {
  if (last <= 0 || static_cast<int>(windows.size()) < last) return false;
  const auto begin = windows.end() - last;
  for (const auto pick : {&Window::ok_per_s, &Window::latency_us}) {
    double mean = 0;
    for (auto it = begin; it != windows.end(); ++it) mean += (*it).*pick;
    mean /= last;
    const double slack = std::max(tolerance * mean, pick == &Window::latency_us ? floor_us : 0.0);
    for (auto it = begin; it != windows.end(); ++it) {
      if (std::abs((*it).*pick - mean) > slack) return false;
    }
  }
  return true;
}

}  // namespace hone::sweep
