// One second of the server's life, and a ring buffer of them (retention configurable, default
// one hour), for /api/performance/history, its CSV export, the dashboard and the alerts.
// Thread-safe: the monitor thread appends, API handlers read copies.
#pragma once

#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <vector>

#include "monitor/system_sampler.h"

namespace hone::monitor {

struct ModelSecond {
  std::string model;
  std::int64_t requests = 0;
  std::int64_t failures = 0;
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  double batch_rows = 0;  // mean rows per backend call serving these requests
  std::int64_t pending = 0;
};

struct Second {
  std::int64_t time = 0;  // Unix seconds
  std::int64_t requests = 0;
  std::int64_t failures = 0;
  double error_rate = 0;  // failures / requests, 0..1
  double p50_ms = 0;
  double p95_ms = 0;
  double p99_ms = 0;
  std::int64_t cache_hits = 0;
  std::int64_t cache_misses = 0;
  double cache_hit_rate = 0;  // 0..1, or 0 without lookups
  double batch_rows = 0;
  std::int64_t pending = 0;  // queue depth: requests in flight at the end of the second
  std::int64_t connections = 0;
  std::int64_t alerts_firing = 0;
  SystemSample system;
  std::vector<ModelSecond> models;
};

class History {
 public:
  explicit History(std::size_t capacity = 3600) : capacity_(capacity) {}

  void push(Second second);
  std::vector<Second> last(std::size_t seconds) const;  // oldest first
  std::size_t size() const;
  std::size_t capacity() const { return capacity_; }

 private:
  mutable std::mutex mutex_;
  std::deque<Second> seconds_;
  std::size_t capacity_;
};

void write_seconds_json(const std::vector<Second>& seconds, std::string& out);
void write_second_json(const Second& second, std::string& out);
// {"time", then the system sample's fields}: the answer of /api/system.
void write_system_json(const Second& second, std::string& out);
void write_seconds_csv(const std::vector<Second>& seconds, std::string& out);

}  // namespace hone::monitor
