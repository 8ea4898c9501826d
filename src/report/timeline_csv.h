// The per-second timeline as CSV (`hone load --csv FILE`): one row per second with counts,
// throughput and latency percentiles, for spreadsheets and plotting.
#pragma once

#include <string>

#include "report/result.h"

namespace hone::report {

void write_timeline_csv(const LoadResult& result, std::string& out);

}  // namespace hone::report
