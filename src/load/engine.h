// Runs a LoadPlan: resolves the origins, starts one Worker per thread, waits for them and merges
// their recordings into one LoadResult. Blocks the calling thread for the run's duration.
// `stop` ends the run early (Ctrl-C), keeping what was measured.
#pragma once

#include <atomic>

#include "core/result.h"
#include "load/live.h"
#include "load/plan.h"
#include "report/result.h"

namespace hone::load {

Result<report::LoadResult> run_load(const LoadPlan& plan, LiveBoard* live,
                                    const std::atomic<bool>& stop);

}  // namespace hone::load
