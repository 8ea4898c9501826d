// The health score: 100 minus five bounded penalties, each from one figure of the run, so that
// two runs' scores are comparable part by part (docs/ANALYZE.md). Internal to the analyze area.
#pragma once

#include "analyze/analysis.h"
#include "analyze/run_facts.h"

namespace hone::analyze {

HealthScore health_score(const report::LoadResult& result, const RunFacts& facts);

}  // namespace hone::analyze
