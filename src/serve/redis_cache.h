// L2 response cache in Redis, through hiredis's non-blocking API driven by an Asio loop on its
// own thread. Fail-open: a Redis that is down, slow, paused or restarting turns into cache misses,
// never into failed predictions. Every GET has a deadline; repeated failures open a circuit
// breaker (no Redis traffic for a cool-down, then one probe); a dead or stuck connection is
// dropped and re-made. Values are the caller's bytes (a model's outputs, an upstream's stored
// answer) behind their full key bytes, checked on read, so a hash collision can never return
// another input's answer.
//
// get() and set() may be called from any thread; get's callback runs on the Redis thread,
// exactly once.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "serve/cache_key.h"

namespace hone::serve {

struct RedisOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::string prefix = "hone:";
  std::chrono::milliseconds connect_timeout{200};
  std::chrono::milliseconds command_timeout{20};
  int breaker_failures = 5;  // consecutive failures that open the breaker
  std::chrono::milliseconds breaker_cooldown{1000};
  std::size_t max_pending = 4096;  // commands in flight; beyond, skip Redis
};

// "redis://HOST[:PORT]" into options.
Status parse_redis_url(const std::string& url, RedisOptions& options);

struct RedisStats {
  std::int64_t hits = 0;
  std::int64_t misses = 0;
  std::int64_t errors = 0;  // failed commands and connections
  std::int64_t timeouts = 0;
  std::int64_t skipped = 0;  // lookups answered "miss" without asking (breaker open, down)
  std::int64_t sets = 0;
  std::int64_t bytes_read = 0;     // value bytes of hits
  std::int64_t bytes_written = 0;  // value bytes of stored SETs
  std::int64_t breaker_opened = 0;
  bool connected = false;
  bool breaker_open = false;
};

class RedisCache {
 public:
  using Found = std::function<void(std::optional<std::string>)>;

  explicit RedisCache(RedisOptions options);
  ~RedisCache();
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  void get(const CacheKey& key, Found found);
  void set(const CacheKey& key, std::string payload, std::chrono::microseconds ttl);
  RedisStats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hone::serve
