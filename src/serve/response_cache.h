// L1 response cache: in-process, sharded (one mutex per shard), O(1) LRU per shard with a byte
// budget (counting what entries really take from the heap) and a TTL. Values are a model's outputs
// for an input (see cache_key.h), whose protocol encoding happens per request, so v1 and v2
// requests share entries; or, for a json upstream, its stored answer. One budget covers both.
// Thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <variant>
#include <vector>

#include "serve/cache_key.h"
#include "serve/stored_answer.h"

namespace hone::serve {

struct CacheStats {
  std::int64_t hits = 0;
  std::int64_t misses = 0;
  std::int64_t evictions = 0;
  std::int64_t expirations = 0;
  std::int64_t entries = 0;
  std::int64_t bytes = 0;
  std::int64_t budget = 0;
  double hit_rate() const {
    return hits + misses > 0 ? static_cast<double>(hits) / static_cast<double>(hits + misses) : 0;
  }
};

// What an entry holds: a model's outputs, or an upstream's answer.
using CachedValue = std::variant<std::vector<float>, StoredAnswer>;

class ResponseCache {
 public:
  using Clock = std::chrono::steady_clock;
  using Outputs = std::shared_ptr<const CachedValue>;

  explicit ResponseCache(std::size_t byte_budget, std::size_t shards = 16);

  Outputs get(const CacheKey& key, Clock::time_point now = Clock::now());
  // ttl of zero keeps the entry until it is evicted.
  void put(const CacheKey& key, Outputs outputs, std::chrono::microseconds ttl,
           Clock::time_point now = Clock::now());
  void clear();
  CacheStats stats() const;

  // Bytes an entry is charged: every heap block it takes (list node, key, value and its control
  // block, index node and bucket) as glibc's malloc sizes them, so the budget holds in resident
  // memory.
  static std::size_t entry_bytes(const CacheKey& key, const CachedValue& value);

 private:
  struct Entry {
    CacheKey key;
    Outputs outputs;
    Clock::time_point expires;  // max() when it never expires
    std::size_t bytes = 0;
  };
  struct Shard {
    std::mutex mutex;
    std::list<Entry> lru;  // most recently used first
    // by the low 64 bits of the hash; more than one entry only on a collision
    std::unordered_multimap<std::uint64_t, std::list<Entry>::iterator> index;
    std::size_t bytes = 0;
  };

  Shard& shard_for(const CacheKey& key) { return shards_[key.hash_high % shards_.size()]; }
  void erase(Shard& shard, std::list<Entry>::iterator entry);

  std::vector<Shard> shards_;
  std::size_t shard_budget_;
  std::size_t budget_;
  std::atomic<std::int64_t> hits_{0};
  std::atomic<std::int64_t> misses_{0};
  std::atomic<std::int64_t> evictions_{0};
  std::atomic<std::int64_t> expirations_{0};
};

}  // namespace hone::serve
