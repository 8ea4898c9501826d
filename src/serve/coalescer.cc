#include "serve/coalescer.h"

namespace hone::serve {

bool Coalescer::join(const CacheKey& key, Waiter waiter) {
  Shard& shard = shard_for(key);
  std::lock_guard lock(shard.mutex);
  auto [it, first] = shard.waiting.try_emplace(key);
  it->second.push_back(std::move(waiter));
  if (!first) ++shard.coalesced;
  return first;
}

void Coalescer::finish(const CacheKey& key, const JobOutcome& outcome) {
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

std::int64_t Coalescer::coalesced() const {
  std::int64_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.coalesced;
  }
  return total;
}

std::size_t Coalescer::in_flight() const {
  std::size_t total = 0;
  for (const auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    total += shard.waiting.size();
  }
  return total;
}

}  // namespace hone::serve
