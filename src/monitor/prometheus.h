// Prometheus text exposition (format 0.0.4): families with HELP and TYPE, samples with escaped
// labels, and histograms from LogHistogram snapshots with cumulative power-of-two buckets.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "monitor/log_histogram.h"

namespace hone::monitor {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PromWriter {
 public:
  explicit PromWriter(std::string& out) : out_(out) {}

  // Starts a family; samples that follow belong to it. type: counter, gauge, histogram.
  void family(const std::string& name, const char* type, const std::string& help);
  void sample(const std::string& name, const Labels& labels, double value);
  // A histogram of values recorded in `unit_per_exported` units per exported unit (1e6 for
  // microseconds exported as seconds; 1 for counts), with buckets at powers of two up to
  // `max_bound` recorded units.
  void histogram(const std::string& name, const Labels& labels,
                 const LogHistogram::Snapshot& snapshot, double unit_per_exported,
                 std::uint64_t max_bound);

 private:
  void write_labels(const Labels& labels, const std::string* le);
  std::string& out_;
};

}  // namespace hone::monitor
