// Coalescing of identical in-flight misses: the first request for an input computes; identical
// requests that arrive before it finishes wait for its outcome instead of computing again.
// Thread-safe (sharded mutexes). `Outcome` is what the first one's work ends with: a model's
// JobOutcome, or an upstream's answer for a json upstream.
#pragma once

#include <cstdint>
#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "serve/cache_key.h"
#include "serve/model_runner.h"

namespace hone::serve {

template <typename Outcome>
class BasicCoalescer {
 public:
  using Waiter = std::function<void(const Outcome&)>;

  // Registers `waiter` for `key`. True when the caller is the first (it must compute and later
  // call finish()); false when a computation is already under way (the waiter will be called).
  bool join(const CacheKey& key, Waiter waiter) {
    Shard& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    auto [it, first] = shard.waiting.try_emplace(key);
    it->second.push_back(std::move(waiter));
    if (!first) ++shard.coalesced;
    return first;
  }

  // Hands the outcome to every waiter of `key`, the first one's included.
  void finish(const CacheKey& key, const Outcome& outcome) {
    std::vector<Waiter> waiters;
    {
      Shard& shard = shard_for(key);
      std::lock_guard lock(shard.mutex);
      auto it = shard.waiting.find(key);
      if (it == shard.waiting.end()) return;
      waiters.swap(it->second);
      shard.waiting.erase(it);
    }
    for (auto& waiter : waiters) waiter(outcome);
  }

  // Requests that waited instead of computing.
  std::int64_t coalesced() const {
    std::int64_t total = 0;
    for (const auto& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      total += shard.coalesced;
    }
    return total;
  }

  std::size_t in_flight() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
      std::lock_guard lock(shard.mutex);
      total += shard.waiting.size();
    }
    return total;
  }

 private:
  struct Shard {
    mutable std::mutex mutex;
    std::unordered_map<CacheKey, std::vector<Waiter>, CacheKeyHash> waiting;
    std::int64_t coalesced = 0;
  };
  static constexpr std::size_t kShards = 16;
  Shard& shard_for(const CacheKey& key) { return shards_[key.hash_high % kShards]; }

  Shard shards_[kShards];
};

using Coalescer = BasicCoalescer<JobOutcome>;

}  // namespace hone::serve
