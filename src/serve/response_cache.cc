#include "serve/response_cache.h"

#include <algorithm>

namespace hone::serve {

ResponseCache::ResponseCache(std::size_t byte_budget, std::size_t shards)
    : shards_(std::max<std::size_t>(1, shards)),
      shard_budget_(byte_budget / std::max<std::size_t>(1, shards)),
      budget_(byte_budget) {}

std::size_t ResponseCache::entry_bytes(const CacheKey& key, const CachedValue& value) {
  constexpr std::size_t kOverhead = 160;  // list node, index slot, shared_ptr control block
  const std::size_t held = std::holds_alternative<StoredAnswer>(value)
                               ? std::get<StoredAnswer>(value).byte_size()
                               : std::get<std::vector<float>>(value).size() * sizeof(float);
  return key.bytes.size() + held + kOverhead;
}

void ResponseCache::erase(Shard& shard, std::list<Entry>::iterator entry) {
  auto slot = shard.index.find(entry->key.hash_low);
  if (slot != shard.index.end()) {
    std::erase(slot->second, entry);
    if (slot->second.empty()) shard.index.erase(slot);
  }
  shard.bytes -= entry->bytes;
  shard.lru.erase(entry);
}

ResponseCache::Outputs ResponseCache::get(const CacheKey& key, Clock::time_point now) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto slot = shard.index.find(key.hash_low);
  if (slot != shard.index.end()) {
    for (const auto entry : slot->second) {
      if (!(entry->key == key)) continue;
      if (entry->expires <= now) {
        erase(shard, entry);
        ++expirations_;
        break;
      }
      shard.lru.splice(shard.lru.begin(), shard.lru, entry);
      ++hits_;
      return entry->outputs;
    }
  }
  ++misses_;
  return nullptr;
}

void ResponseCache::put(const CacheKey& key, Outputs outputs, std::chrono::microseconds ttl,
                        Clock::time_point now) {
  const std::size_t bytes = entry_bytes(key, *outputs);
  if (bytes > shard_budget_) return;  // would evict everything else for one entry
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto& slot = shard.index[key.hash_low];
  for (const auto entry : slot) {
    if (entry->key == key) {  // refresh in place
      shard.bytes -= entry->bytes;
      entry->outputs = std::move(outputs);
      entry->bytes = bytes;
      entry->expires = ttl.count() > 0 ? now + ttl : Clock::time_point::max();
      shard.bytes += bytes;
      shard.lru.splice(shard.lru.begin(), shard.lru, entry);
      return;
    }
  }
  shard.lru.push_front(Entry{key, std::move(outputs),
                             ttl.count() > 0 ? now + ttl : Clock::time_point::max(), bytes});
  slot.push_back(shard.lru.begin());
  shard.bytes += bytes;
  while (shard.bytes > shard_budget_ && shard.lru.size() > 1) {
    erase(shard, std::prev(shard.lru.end()));
    ++evictions_;
  }
}

void ResponseCache::clear() {
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    shard.lru.clear();
    shard.index.clear();
    shard.bytes = 0;
  }
}

CacheStats ResponseCache::stats() const {
  CacheStats stats;
  stats.hits = hits_.load();
  stats.misses = misses_.load();
  stats.evictions = evictions_.load();
  stats.expirations = expirations_.load();
  stats.budget = static_cast<std::int64_t>(budget_);
  for (auto& shard : shards_) {
    std::lock_guard lock(const_cast<Shard&>(shard).mutex);
    stats.entries += static_cast<std::int64_t>(shard.lru.size());
    stats.bytes += static_cast<std::int64_t>(shard.bytes);
  }
  return stats;
}

}  // namespace hone::serve
