#include "monitor/log_histogram.h"

#include <bit>
#include <cmath>
#include <functional>
#include <thread>

namespace hone::monitor {

int LogHistogram::shard_index() {
  thread_local const int index =
      static_cast<int>(std::hash<std::thread::id>{}(std::this_thread::get_id()) % kShards);
  return index;
}

// Values 0..7 get a bucket each; above, the power of two and the next three bits pick one.
int LogHistogram::bucket_of(std::uint64_t value) {
  if (value < kSubBuckets) return static_cast<int>(value);
  const int magnitude = 63 - std::countl_zero(value);  // >= 3
  const int sub = static_cast<int>((value >> (magnitude - 3)) & (kSubBuckets - 1));
  const int bucket = (magnitude - 2) * kSubBuckets + sub;
  return bucket < kBuckets ? bucket : kBuckets - 1;
}

std::uint64_t LogHistogram::lower_bound(int bucket) {
  if (bucket < kSubBuckets) return static_cast<std::uint64_t>(bucket);
  const int magnitude = bucket / kSubBuckets + 2;
  const int sub = bucket % kSubBuckets;
  return (std::uint64_t{1} << magnitude) + (static_cast<std::uint64_t>(sub) << (magnitude - 3));
}

std::uint64_t LogHistogram::upper_bound(int bucket) {
  return bucket + 1 < kBuckets ? lower_bound(bucket + 1) - 1 : UINT64_MAX;
}

void LogHistogram::record(std::uint64_t value) {
  Shard& shard = shards_[static_cast<std::size_t>(shard_index())];
  shard.counts[static_cast<std::size_t>(bucket_of(value))].fetch_add(1, std::memory_order_relaxed);
  shard.sum.fetch_add(value, std::memory_order_relaxed);
}

LogHistogram::Snapshot LogHistogram::snapshot() const {
  Snapshot out;
  for (const Shard& shard : shards_) {
    for (int b = 0; b < kBuckets; ++b) {
      out.counts[static_cast<std::size_t>(b)] +=
          shard.counts[static_cast<std::size_t>(b)].load(std::memory_order_relaxed);
    }
    out.sum += shard.sum.load(std::memory_order_relaxed);
  }
  for (const auto c : out.counts) out.count += c;
  return out;
}

double LogHistogram::Snapshot::percentile(double p) const {
  if (count == 0) return 0;
  const auto wanted = static_cast<std::uint64_t>(std::ceil(p / 100.0 * static_cast<double>(count)));
  std::uint64_t seen = 0;
  for (int b = 0; b < kBuckets; ++b) {
    seen += counts[static_cast<std::size_t>(b)];
    if (seen >= std::max<std::uint64_t>(wanted, 1)) {
      return (static_cast<double>(lower_bound(b)) + static_cast<double>(upper_bound(b))) / 2;
    }
  }
  return static_cast<double>(lower_bound(kBuckets - 1));
}

std::uint64_t LogHistogram::Snapshot::count_at_most(std::uint64_t bound) const {
  std::uint64_t total = 0;
  for (int b = 0; b < kBuckets && upper_bound(b) <= bound; ++b)
    total += counts[static_cast<std::size_t>(b)];
  return total;
}

LogHistogram::Snapshot LogHistogram::Snapshot::minus(const Snapshot& earlier) const {
  Snapshot out;
  for (int b = 0; b < kBuckets; ++b) {
    const auto i = static_cast<std::size_t>(b);
    out.counts[i] = counts[i] - std::min(counts[i], earlier.counts[i]);
    out.count += out.counts[i];
  }
  out.sum = sum - std::min(sum, earlier.sum);
  return out;
}

void ShardedCounter::add(std::int64_t delta) {
  const auto index = static_cast<std::size_t>(
      std::hash<std::thread::id>{}(std::this_thread::get_id()) % cells_.size());
  cells_[index].value.fetch_add(delta, std::memory_order_relaxed);
}

std::int64_t ShardedCounter::value() const {
  std::int64_t total = 0;
  for (const Cell& cell : cells_) total += cell.value.load(std::memory_order_relaxed);
  return total;
}

}  // namespace hone::monitor
