// The human summary of a run printed at the end of `hone load` and by `hone report FILE`.
#pragma once

#include <string>
#include <vector>

#include "report/result.h"
#include "report/thresholds.h"

namespace hone::report {

std::string format_summary(const LoadResult& result);
std::string format_thresholds(const std::vector<ThresholdOutcome>& outcomes);

// 1.25ms, 812us, 2.00s
std::string format_us(double microseconds);
// 1.2 kB, 3.4 MB
std::string format_bytes(double bytes);

}  // namespace hone::report
