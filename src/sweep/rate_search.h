// The search for the highest rate under the SLO (`search: max_rate`), apart from how a rate is
// run: double from the start rate while the SLO holds (halve when the start fails), then bisect
// between the last passing and the first failing rate down to the resolution. A rate that fails
// the SLO is run once more before the search believes it: one pause of a shared machine can fail
// a run below capacity, while past capacity both runs fail. A generator that could not offer the
// rate ends the search there.
#pragma once

#include <functional>
#include <string>

#include "core/result.h"

namespace hone::sweep {

struct RateVerdict {
  bool slo_met = false;
  bool generator_behind = false;
};

struct RateSearchSettings {
  double start = 0;
  double max = 0;
  double resolution = 0.1;  // stop when (failing - passing) / passing is within this
};

struct RateSearchOutcome {
  double passing = 0;  // the highest rate that met the SLO; 0: none
  std::string note;    // why the search stopped early, when it did
};

// A load level as the sweep writes it: "400", or "12.5" when not whole.
std::string format_level(double value);

// `run(rate, again)` runs one point (`again` on the second run of a rate that failed).
using RunRate = std::function<Result<RateVerdict>(double rate, bool again)>;

Result<RateSearchOutcome> search_max_rate(const RateSearchSettings& settings, const RunRate& run);

}  // namespace hone::sweep
