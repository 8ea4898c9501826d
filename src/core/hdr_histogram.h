// A High Dynamic Range histogram (the HdrHistogram layout: buckets of powers of two, each split
// into linear sub-buckets) for latencies: constant memory, O(1) record, values kept to a fixed
// number of significant digits over the whole range, and exact merging by adding counts.
// hone records microseconds from 1 us to 1 h with 3 significant digits (about 190 KiB).
// Not thread-safe: each thread records into its own histogram; merge with add().
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/result.h"

namespace hone {

class HdrHistogram {
 public:
  // lowest >= 1, highest >= 2 * lowest, significant_digits in 1..5.
  HdrHistogram(std::int64_t lowest = 1, std::int64_t highest = 3'600'000'000,
               int significant_digits = 3);

  // Values outside [lowest, highest] are clamped to the range (and counted as clamped).
  void record(std::int64_t value, std::int64_t count = 1);
  // Adds another histogram with the same layout; false if the layouts differ.
  bool add(const HdrHistogram& other);
  void reset();

  std::int64_t count() const { return total_; }
  std::int64_t clamped() const { return clamped_; }
  std::int64_t min() const;  // exact recorded extremes (after clamping); 0 when empty
  std::int64_t max() const;
  double mean() const;    // exact
  double stddev() const;  // exact (population)
  // The value below which `percentile` percent of the recorded values lie, to the histogram's
  // precision (the highest value equivalent to the bucket holding that rank).
  std::int64_t value_at_percentile(double percentile) const;

  // Sparse form for result files: (index, count) for every non-zero bucket, plus the exact
  // aggregates; from_sparse() rebuilds an identical histogram.
  struct Sparse {
    std::int64_t lowest = 1;
    std::int64_t highest = 0;
    int significant_digits = 3;
    std::vector<std::pair<std::uint32_t, std::int64_t>> counts;
    std::int64_t min = 0;
    std::int64_t max = 0;
    double sum = 0;
    double sum_of_squares = 0;
    std::int64_t clamped = 0;
  };
  Sparse to_sparse() const;
  static Result<HdrHistogram> from_sparse(const Sparse& sparse);
  // Adds `from` into `into` (same layout assumed; an empty `into` takes from's layout).
  static void merge_sparse(Sparse& into, const Sparse& from);

  std::int64_t lowest() const { return lowest_; }
  std::int64_t highest() const { return highest_; }
  int significant_digits() const { return digits_; }

  // The highest value of bucket `index` (as value_at_percentile reports it); for sparse counts.
  std::int64_t value_of_index(std::size_t index) const {
    return highest_equivalent(value_at_index(index));
  }

  // Value range a recorded value falls into.
  std::int64_t lowest_equivalent(std::int64_t value) const;
  std::int64_t highest_equivalent(std::int64_t value) const;

 private:
  std::size_t index_of(std::int64_t value) const;
  std::int64_t value_at_index(std::size_t index) const;
  std::int64_t equivalent_range(std::int64_t value) const;

  std::int64_t lowest_;
  std::int64_t highest_;
  int digits_;
  int unit_magnitude_ = 0;
  int sub_bucket_half_count_magnitude_ = 0;
  std::int64_t sub_bucket_count_ = 0;
  std::int64_t sub_bucket_half_count_ = 0;
  std::int64_t sub_bucket_mask_ = 0;
  int bucket_count_ = 0;
  std::vector<std::int64_t> counts_;
  std::int64_t total_ = 0;
  std::int64_t clamped_ = 0;
  std::int64_t min_ = INT64_MAX;
  std::int64_t max_ = 0;
  double sum_ = 0;
  double sum_of_squares_ = 0;
};

}  // namespace hone
