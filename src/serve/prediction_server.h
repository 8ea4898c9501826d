// hone serve's server: the HTTP server, the routes of every protocol and the models, with
// readiness and graceful stop. start() and stop() are called from the owning (main) thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "http/server.h"
#include "model/repository.h"
#include "monitor/alerts.h"
#include "monitor/monitor.h"
#include "serve/auth.h"
#include "serve/json_input.h"
#include "serve/model_lifecycle.h"
#include "serve/redis_cache.h"
#include "serve/response_cache.h"

namespace hone::serve {

struct ServeOptions {
  http::ServerOptions http;
  JsonLimits json;
  std::chrono::milliseconds drain_timeout{10'000};
  std::size_t cache_bytes = 64 * 1024 * 1024;  // L1 response cache budget, all models
  std::size_t max_in_flight = 4096;   // predictions inside the server at once; more get 503
  std::optional<RedisOptions> redis;  // L2 response cache
  LifecycleOptions lifecycle;         // models loaded and unloaded while serving
  std::string admin_token;            // for /api calls that change state; empty: refused
  // Host names /api, /metrics and /dashboard answer besides IP addresses and localhost (the
  // DNS-rebinding guard; see host_guard.h).
  std::vector<std::string> allowed_hosts;
  // Predictions need credentials (--api-keys, --jwt-*) unless a model's config says auth: none;
  // null: none needed.
  std::shared_ptr<Authenticator> auth;
  bool metrics = true;                 // request metrics, /metrics, monitor, dashboard
  std::size_t history_seconds = 3600;  // per-second history kept
  std::vector<monitor::AlertRule> alerts;
  std::string alert_webhook;  // http://... to POST alert transitions to
  std::string proc_root = "/proc";
  std::chrono::milliseconds monitor_interval{1000};  // 0: no monitor thread (tests tick it)
  // When the process started (main), for the cold-start figures; default: construction.
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
};

// Cold-start figures, measured from ServeOptions::started.
struct StartupTimes {
  std::chrono::nanoseconds warmup{0};             // all models' warmup samples
  std::chrono::nanoseconds ready{0};              // until /v2/health/ready answered true
  std::chrono::nanoseconds first_prediction{-1};  // until the first prediction was answered
};

class PredictionServer {
 public:
  // `models`: what it serves from the start (with a memory budget, the repository's models load
  // on their first request instead, see ServeOptions::lifecycle).
  PredictionServer(ServeOptions options, std::shared_ptr<const model::ModelRepository> models);
  ~PredictionServer();
  PredictionServer(const PredictionServer&) = delete;
  PredictionServer& operator=(const PredictionServer&) = delete;

  // Binds and starts serving, runs every model's warmup samples, then turns ready. Fails for a
  // model whose warmup fails, or a repository folder (lifecycle.repository) it cannot read.
  Status start();
  // Readiness goes false at once, then the HTTP server drains (up to drain_timeout).
  void stop();

  std::uint16_t port() const;
  bool ready() const;
  CacheStats cache_stats() const;
  std::optional<RedisStats> redis_stats() const;
  StartupTimes startup_times() const;
  std::int64_t coalesced() const;
  // For tests that drive the monitor's clock themselves (start it with metrics on).
  monitor::Monitor& monitor();
  // A model's live metrics; null for an unknown model or with metrics off.
  const monitor::ModelMetrics* metrics(const std::string& model) const;
  const ServeOptions& options() const { return options_; }

 private:
  struct State;

  ServeOptions options_;
  std::chrono::nanoseconds warmup_{0};
  std::chrono::nanoseconds ready_{0};
  std::unique_ptr<State> state_;
  std::unique_ptr<http::Server> http_;
};

}  // namespace hone::serve
