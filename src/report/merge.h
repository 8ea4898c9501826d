// Merging result files of one run split over several generators (`hone load --shard i/N` on each
// machine): counts and histograms add exactly, timelines add by second, and the run spans from
// the earliest start to the latest end.
#pragma once

#include <vector>

#include "core/result.h"
#include "report/result.h"

namespace hone::report {

Result<LoadResult> merge_results(const std::vector<LoadResult>& results);

}  // namespace hone::report
