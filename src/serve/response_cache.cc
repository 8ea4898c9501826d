#include "serve/response_cache.h"

#include <algorithm>

#include "core/heap_size.h"

namespace hone::serve {

ResponseCache::ResponseCache(std::size_t byte_budget, std::size_t shards)
    : shards_(std::max<std::size_t>(1, shards)),
      shard_budget_(byte_budget / std::max<std::size_t>(1, shards)),
      budget_(byte_budget) {}

std::size_t ResponseCache::entry_bytes(const CacheKey& key, const CachedValue& value) {
  // The list node holding the entry, and the key's bytes copied into it.
  std::size_t bytes = heap_bytes(sizeof(Entry) + 2 * sizeof(void*));
  if (key.bytes.size() > 15) bytes += heap_bytes(key.bytes.size() + 1);
  // The value, made with make_shared: one block with the control counts, then what it holds.
  bytes += heap_bytes(2 * sizeof(void*) + sizeof(CachedValue));
  if (const auto* outputs = std::get_if<std::vector<float>>(&value)) {
    bytes += heap_bytes(outputs->capacity() * sizeof(float));
  } else {
    bytes += std::get<StoredAnswer>(value).byte_size() - sizeof(StoredAnswer);
  }
  // The index's node (next pointer, hash, iterator) and its share of the bucket array.
  bytes += heap_bytes(sizeof(void*) + sizeof(std::uint64_t) + sizeof(std::list<Entry>::iterator)) +
           sizeof(void*);
  return bytes;
}

void ResponseCache::erase(Shard& shard, std::list<Entry>::iterator entry) {
  auto [first, last] = shard.index.equal_range(entry->key.hash_low);
  for (auto it = first; it != last; ++it) {
    if (it->second == entry) {
      shard.index.erase(it);
      break;
    }
  }
  shard.bytes -= entry->bytes;
  shard.lru.erase(entry);
}

ResponseCache::Outputs ResponseCache::get(const CacheKey& key, Clock::time_point now) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto [first, last] = shard.index.equal_range(key.hash_low);
  for (auto it = first; it != last; ++it) {
    const auto entry = it->second;
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
  ++misses_;
  return nullptr;
}

void ResponseCache::put(const CacheKey& key, Outputs outputs, std::chrono::microseconds ttl,
                        Clock::time_point now) {
  const std::size_t bytes = entry_bytes(key, *outputs);
  if (bytes > shard_budget_) return;  // would evict everything else for one entry
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  const auto [first, last] = shard.index.equal_range(key.hash_low);
  for (auto it = first; it != last; ++it) {
    const auto entry = it->second;
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
  shard.index.emplace(key.hash_low, shard.lru.begin());
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
