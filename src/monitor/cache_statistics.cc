#include "monitor/cache_statistics.h"

namespace hone::monitor {
namespace {

using Layer = CacheStatistic::Layer;
using F = CacheFigures;

double number(std::int64_t value) { return static_cast<double>(value); }

constexpr const char* kHits = "Response cache hits, by layer.";
constexpr const char* kMisses =
    "Response cache lookups that found nothing, by layer (for Redis, also lookups skipped while "
    "it was down or its breaker open).";

}  // namespace

const std::array<CacheStatistic, 22> kCacheStatistics = {{
    {Layer::kL1, "hits", "hone_cache_hits_total", "counter", nullptr, kHits,
     [](const F& f) { return number(f.l1.hits); }},
    {Layer::kL1, "misses", "hone_cache_misses_total", "counter", nullptr, kMisses,
     [](const F& f) { return number(f.l1.misses); }},
    {Layer::kL1, "hit_rate", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) {
       const auto lookups = f.l1.hits + f.l1.misses;
       return lookups > 0 ? number(f.l1.hits) / number(lookups) : 0.0;
     }},
    {Layer::kL1, "evictions", "hone_cache_evictions_total", "counter", nullptr,
     "Entries evicted from the in-process cache to stay in its budget.",
     [](const F& f) { return number(f.l1.evictions); }},
    {Layer::kL1, "expirations", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return number(f.l1.expirations); }},
    {Layer::kL1, "entries", "hone_cache_entries", "gauge", nullptr,
     "Entries in the in-process cache.", [](const F& f) { return number(f.l1.entries); }},
    {Layer::kL1, "bytes", "hone_cache_bytes", "gauge", nullptr,
     "Bytes held by the in-process cache.", [](const F& f) { return number(f.l1.bytes); }},
    {Layer::kL1, "budget_bytes", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return number(f.l1.budget); }},
    {Layer::kL2, "connected", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return f.l2.connected ? 1.0 : 0.0; }, true},
    {Layer::kL2, "breaker_open", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return f.l2.breaker_open ? 1.0 : 0.0; }, true},
    {Layer::kL2, "hits", "hone_cache_hits_total", "counter", nullptr, kHits,
     [](const F& f) { return number(f.l2.hits); }},
    {Layer::kL2, "misses", "hone_cache_misses_total", "counter", nullptr, kMisses,
     [](const F& f) { return number(f.l2.misses + f.l2.skipped); }},
    {Layer::kL2, "errors", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return number(f.l2.errors); }},
    {Layer::kL2, "timeouts", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return number(f.l2.timeouts); }},
    {Layer::kL2, "skipped", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return number(f.l2.skipped); }},
    {Layer::kL2, "sets", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return number(f.l2.sets); }},
    {Layer::kL2, "bytes_read", "hone_cache_transferred_bytes_total", "counter", "direction=read",
     "Value bytes read from Redis on hits and written to it by stores.",
     [](const F& f) { return number(f.l2.bytes_read); }},
    {Layer::kL2, "bytes_written", "hone_cache_transferred_bytes_total", "counter",
     "direction=write", nullptr, [](const F& f) { return number(f.l2.bytes_written); }},
    {Layer::kL2, "breaker_opened", nullptr, nullptr, nullptr, nullptr,
     [](const F& f) { return number(f.l2.breaker_opened); }},
    {Layer::kL2, nullptr, "hone_cache_errors_total", "counter", nullptr,
     "Redis commands that failed or timed out.",
     [](const F& f) { return number(f.l2.errors + f.l2.timeouts); }},
    {Layer::kL2, nullptr, "hone_cache_up", "gauge", nullptr,
     "1 when the Redis cache is connected and its breaker closed.",
     [](const F& f) { return f.l2.connected && !f.l2.breaker_open ? 1.0 : 0.0; }},
    {Layer::kWhole, "coalesced", "hone_coalesced_requests_total", "counter", nullptr,
     "Requests that waited for an identical one instead of computing.",
     [](const F& f) { return number(f.coalesced); }},
}};

}  // namespace hone::monitor
