// A lock-free histogram for live metrics: 8 logarithmic buckets per power of two (values within
// 12.5%), as relaxed atomic counters spread over shards so that threads recording at once do not
// fight over cache lines. Recording is two atomic adds; reading (a scrape, a snapshot) sums the
// shards and never blocks a recorder. Values are integers (microseconds, rows).
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

namespace hone::monitor {

class LogHistogram {
 public:
  static constexpr int kSubBuckets = 8;  // per power of two
  static constexpr int kOctaves = 40;    // up to 2^40 (12 days in microseconds)
  static constexpr int kBuckets = kOctaves * kSubBuckets;
  static constexpr int kShards = 8;

  void record(std::uint64_t value);

  // A consistent-enough copy for reading: counts per bucket, total count and sum.
  struct Snapshot {
    std::vector<std::uint64_t> counts = std::vector<std::uint64_t>(kBuckets, 0);
    std::uint64_t count = 0;
    std::uint64_t sum = 0;

    // The value below which `percentile` percent of the values lie (the bucket's upper bound,
    // halfway-interpolated); 0 when empty.
    double percentile(double percentile) const;
    // Count of values <= bound (bound a power of two, as the exported buckets are).
    std::uint64_t count_at_most(std::uint64_t bound) const;
    Snapshot minus(const Snapshot& earlier) const;  // the values recorded since `earlier`
  };
  Snapshot snapshot() const;

  static int bucket_of(std::uint64_t value);
  static std::uint64_t lower_bound(int bucket);  // smallest value in the bucket
  static std::uint64_t upper_bound(int bucket);  // largest value in the bucket

 private:
  struct alignas(64) Shard {
    std::array<std::atomic<std::uint64_t>, kBuckets> counts{};
    std::atomic<std::uint64_t> sum{0};
  };
  static int shard_index();

  std::array<Shard, kShards> shards_;
};

// A counter or gauge spread over shards the same way.
class ShardedCounter {
 public:
  void add(std::int64_t delta = 1);
  std::int64_t value() const;

 private:
  struct alignas(64) Cell {
    std::atomic<std::int64_t> value{0};
  };
  std::array<Cell, LogHistogram::kShards> cells_;
};

}  // namespace hone::monitor
