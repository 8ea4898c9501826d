// Merging result files of one run split over several generators (`hone load --shard i/N` on each
// machine): counts and histograms add exactly, timelines add by second, and the run spans from
// the earliest start to the latest end.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "report/result.h"

namespace hone::report {

Result<LoadResult> merge_results(const std::vector<LoadResult>& results);

// Whether `results` look like shards of one run: the same target, model, load profile and
// endpoints, distinct shard indices of the same count, and start times no further apart than
// the run's length plus a minute (generators started by hand). Says why not; `names` are the
// files, for the message. `hone report merge` refuses otherwise, unless told --force.
Status check_shards_of_one_run(const std::vector<LoadResult>& results,
                               const std::vector<std::string>& names);

}  // namespace hone::report
