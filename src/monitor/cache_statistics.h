// The response cache's statistics, defined once: what each figure means, its key in /api/cache
// and its Prometheus family. The server reads its caches into one CacheFigures; /api/cache,
// /metrics and the monitor's per-second hit rate all read that through this table.
#pragma once

#include <array>
#include <cstdint>

namespace hone::monitor {

// One reading of the caches (cumulative counts since start; sizes now).
struct CacheFigures {
  struct L1 {
    std::int64_t hits = 0, misses = 0, evictions = 0, expirations = 0, entries = 0, bytes = 0,
                 budget = 0;
  } l1;
  bool has_l2 = false;  // a Redis cache is configured
  struct L2 {
    std::int64_t hits = 0, misses = 0, errors = 0, timeouts = 0, skipped = 0, sets = 0,
                 bytes_read = 0, bytes_written = 0, breaker_opened = 0;
    bool connected = false, breaker_open = false;
  } l2;
  std::int64_t coalesced = 0;

  // The cache as a whole: an L1 miss that Redis answered is a hit.
  std::int64_t hits() const { return l1.hits + l2.hits; }
  std::int64_t misses() const { return l1.misses - l2.hits; }
};

struct CacheStatistic {
  enum class Layer : std::uint8_t { kL1, kL2, kWhole };
  Layer layer;
  const char* key;     // in /api/cache (within the layer's object, or at the top for kWhole)
  const char* metric;  // Prometheus family; nullptr when only /api/cache has it
  const char* type;    // counter or gauge
  const char* label;   // an extra Prometheus label, "name=value"; nullptr for none
  const char* help;    // the family's help (the first statistic of a family gives it)
  double (*value)(const CacheFigures&);
  bool flag = false;  // a yes/no figure: true/false in /api/cache, 1/0 in Prometheus
};

// In /api/cache order. A family may take several rows (hone_cache_hits_total{layer="l1"|"l2"});
// a row without a key is only in /metrics, one without a metric only in /api/cache.
extern const std::array<CacheStatistic, 22> kCacheStatistics;

}  // namespace hone::monitor
