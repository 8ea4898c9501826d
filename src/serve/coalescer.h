// Coalescing of identical in-flight misses: the first request for an input computes; identical
// requests that arrive before it finishes wait for its outcome instead of computing again.
// Thread-safe (sharded mutexes).
#pragma once

#include <functional>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "serve/cache_key.h"
#include "serve/model_runner.h"

namespace hone::serve {

class Coalescer {
 public:
  using Waiter = std::function<void(const JobOutcome&)>;

  // Registers `waiter` for `key`. True when the caller is the first (it must compute and later
  // call finish()); false when a computation is already under way (the waiter will be called).
  bool join(const CacheKey& key, Waiter waiter);
  // Hands the outcome to every waiter of `key`, the first one's included.
  void finish(const CacheKey& key, const JobOutcome& outcome);

  std::int64_t coalesced() const;  // requests that waited instead of computing
  std::size_t in_flight() const;

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

}  // namespace hone::serve
