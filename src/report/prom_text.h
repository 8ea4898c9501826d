// A reader of the Prometheus text exposition format (0.0.4, and the OpenMetrics text that most
// clients also serve): families' TYPE lines, samples with escaped labels, optional timestamps and
// exemplars (ignored). Bounded: a body of more than `max_samples` samples is refused.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace hone::report {

using PromLabels = std::vector<std::pair<std::string, std::string>>;  // sorted by name

struct PromSample {
  std::string name;
  PromLabels labels;
  double value = 0;
};

struct PromScrape {
  std::map<std::string, std::string> types;  // family name -> counter, gauge, histogram, ...
  std::vector<PromSample> samples;
};

// "line N: why" for text that is not the exposition format.
Result<PromScrape> parse_prometheus_text(std::string_view text, std::size_t max_samples = 100000);

}  // namespace hone::report
