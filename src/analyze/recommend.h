// Recommendations for a run's findings, each with the change to make and the gain this run's own
// figures predict. Internal to the analyze area.
#pragma once

#include <vector>

#include "analyze/analysis.h"
#include "analyze/run_facts.h"

namespace hone::analyze {

std::vector<Recommendation> recommend(const std::vector<Finding>& findings, const RunFacts& facts);

}  // namespace hone::analyze
