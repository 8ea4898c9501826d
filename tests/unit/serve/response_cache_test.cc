#include "serve/response_cache.h"

#include <gtest/gtest.h>
#include <malloc.h>

#include <cmath>
#include <thread>

#include "serve/coalescer.h"

namespace hone::serve {
namespace {

using namespace std::chrono_literals;

CacheKey key_of(float value, const std::string& model = "m") {
  return make_cache_key(model, "1", "f", {value, 2.0F}, 1);
}

ResponseCache::Outputs outputs(float value) {
  return std::make_shared<const CachedValue>(std::vector<float>{value});
}

TEST(CacheKey, CanonicalAndDistinct) {
  EXPECT_EQ(make_cache_key("m", "1", "f", {0.0F}, 1), make_cache_key("m", "1", "f", {-0.0F}, 1));
  EXPECT_EQ(make_cache_key("m", "1", "f", {std::nanf("1")}, 1),
            make_cache_key("m", "1", "f", {std::nanf("2")}, 1));
  EXPECT_FALSE(make_cache_key("m", "1", "f", {1.0F}, 1) ==
               make_cache_key("m", "2", "f", {1.0F}, 1));
  EXPECT_FALSE(make_cache_key("m", "1", "f", {1.0F, 2.0F}, 1) ==
               make_cache_key("m", "1", "f", {1.0F, 2.0F}, 2));
  EXPECT_FALSE(make_cache_key("ab", "c", "f", {}, 0) == make_cache_key("a", "bc", "f", {}, 0));
  // A retrained artifact under the same name and version has keys of its own.
  EXPECT_FALSE(make_cache_key("m", "1", "f1", {1.0F}, 1) ==
               make_cache_key("m", "1", "f2", {1.0F}, 1));
  EXPECT_EQ(hex(key_of(1)).size(), 32U);
}

TEST(ResponseCache, HitsMissesAndRefresh) {
  ResponseCache cache(1 << 20, 4);
  EXPECT_EQ(cache.get(key_of(1)), nullptr);
  cache.put(key_of(1), outputs(10), 0us);
  ASSERT_NE(cache.get(key_of(1)), nullptr);
  EXPECT_EQ(std::get<std::vector<float>>(*cache.get(key_of(1))), (std::vector<float>{10}));
  cache.put(key_of(1), outputs(11), 0us);
  EXPECT_EQ(std::get<std::vector<float>>(*cache.get(key_of(1))), (std::vector<float>{11}));
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits, 3);
  EXPECT_EQ(stats.misses, 1);
  EXPECT_EQ(stats.entries, 1);
  EXPECT_NEAR(stats.hit_rate(), 0.75, 1e-9);
}

TEST(ResponseCache, EvictsLeastRecentlyUsedWithinTheBudget) {
  const std::size_t one = ResponseCache::entry_bytes(key_of(0), CachedValue(std::vector<float>{0}));
  ResponseCache cache(3 * one, 1);  // room for three entries
  for (int i = 0; i < 3; ++i)
    cache.put(key_of(static_cast<float>(i)), outputs(static_cast<float>(i)), 0us);
  ASSERT_NE(cache.get(key_of(0)), nullptr);  // 0 is now the most recent
  cache.put(key_of(3), outputs(3), 0us);     // evicts 1, the least recent
  EXPECT_EQ(cache.get(key_of(1)), nullptr);
  EXPECT_NE(cache.get(key_of(0)), nullptr);
  EXPECT_NE(cache.get(key_of(2)), nullptr);
  EXPECT_NE(cache.get(key_of(3)), nullptr);
  const auto stats = cache.stats();
  EXPECT_EQ(stats.evictions, 1);
  EXPECT_EQ(stats.entries, 3);
  EXPECT_LE(stats.bytes, static_cast<std::int64_t>(3 * one));
}

TEST(ResponseCache, EntriesExpire) {
  ResponseCache cache(1 << 20, 2);
  const auto now = ResponseCache::Clock::now();
  cache.put(key_of(1), outputs(1), 1000us, now);
  EXPECT_NE(cache.get(key_of(1), now + 999us), nullptr);
  EXPECT_EQ(cache.get(key_of(1), now + 1000us), nullptr);
  EXPECT_EQ(cache.stats().expirations, 1);
  EXPECT_EQ(cache.stats().entries, 0);
}

TEST(ResponseCache, ACollisionNeverReturnsAnotherInputsAnswer) {
  ResponseCache cache(1 << 20, 1);
  CacheKey a = key_of(1);
  CacheKey b = key_of(2);
  b.hash_low = a.hash_low;  // force the same hash for different bytes
  b.hash_high = a.hash_high;
  cache.put(a, outputs(100), 0us);
  EXPECT_EQ(cache.get(b), nullptr);
  cache.put(b, outputs(200), 0us);
  EXPECT_EQ(std::get<std::vector<float>>(*cache.get(a)), (std::vector<float>{100}));
  EXPECT_EQ(std::get<std::vector<float>>(*cache.get(b)), (std::vector<float>{200}));
}

TEST(ResponseCache, OversizedEntriesAreNotStoredAndClearEmpties) {
  ResponseCache cache(1000, 1);
  cache.put(key_of(1), std::make_shared<const CachedValue>(std::vector<float>(1000)), 0us);
  EXPECT_EQ(cache.stats().entries, 0);
  cache.put(key_of(2), outputs(2), 0us);
  cache.clear();
  EXPECT_EQ(cache.stats().entries, 0);
  EXPECT_EQ(cache.stats().bytes, 0);
}

TEST(ResponseCache, ThreadsShareIt) {
  ResponseCache cache(1 << 16, 8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        const auto key = key_of(static_cast<float>((i * 7 + t) % 300));
        if (auto hit = cache.get(key)) {
          EXPECT_EQ(std::get<std::vector<float>>(*hit).front(),
                    static_cast<float>((i * 7 + t) % 300));
        } else {
          cache.put(key, outputs(static_cast<float>((i * 7 + t) % 300)), 0us);
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, 20000);
  EXPECT_LE(stats.bytes, 1 << 16);
}

TEST(Coalescer, FirstComputesOthersWait) {
  Coalescer coalescer;
  std::vector<float> seen;
  const auto waiter = [&seen](const JobOutcome& outcome) {
    seen.push_back(outcome.outputs.front());
  };
  EXPECT_TRUE(coalescer.join(key_of(1), waiter));
  EXPECT_FALSE(coalescer.join(key_of(1), waiter));
  EXPECT_FALSE(coalescer.join(key_of(1), waiter));
  EXPECT_TRUE(coalescer.join(key_of(2), waiter));
  EXPECT_EQ(coalescer.in_flight(), 2U);
  JobOutcome outcome;
  outcome.outputs = {42};
  coalescer.finish(key_of(1), outcome);
  EXPECT_EQ(seen, (std::vector<float>{42, 42, 42}));
  EXPECT_EQ(coalescer.coalesced(), 2);
  EXPECT_TRUE(coalescer.join(key_of(1), waiter));  // a new computation after the first ended
}

// What the cache charges is what its entries take from the heap (glibc's own count), so that a
// budget holds in resident memory: it once charged about half of it.
TEST(ResponseCache, TheBytesChargedAreTheHeapTheEntriesTake) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizers replace malloc; glibc's count is not theirs";
#else
  for (const std::size_t outputs_per_entry : {std::size_t{1}, std::size_t{40}}) {
    ResponseCache cache(std::size_t{1} << 30, 4);
    const std::size_t before = mallinfo2().uordblks;
    for (int i = 0; i < 20'000; ++i) {
      CacheKey key = make_cache_key("ceramic-armor", "1", "fingerprint-of-the-artifact",
                                    std::vector<float>(12, static_cast<float>(i)), 1);
      cache.put(key,
                std::make_shared<const CachedValue>(
                    std::vector<float>(outputs_per_entry, static_cast<float>(i))),
                0us);
    }
    const auto measured = static_cast<double>(mallinfo2().uordblks - before);
    const auto charged = static_cast<double>(cache.stats().bytes);
    EXPECT_LE(measured, charged * 1.05) << outputs_per_entry << " outputs";
    EXPECT_GE(measured, charged * 0.8) << outputs_per_entry << " outputs";
  }
#endif
}

}  // namespace
}  // namespace hone::serve
