// hone serve's server: the HTTP server, the routes of every protocol and the models, with
// readiness and graceful stop. start() and stop() are called from the owning (main) thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>

#include "core/result.h"
#include "http/server.h"
#include "model/repository.h"
#include "serve/json_input.h"
#include "serve/response_cache.h"

namespace hone::serve {

struct ServeOptions {
  http::ServerOptions http;
  JsonLimits json;
  std::chrono::milliseconds drain_timeout{10'000};
  std::size_t cache_bytes = 64 * 1024 * 1024;  // L1 response cache budget, all models
};

class PredictionServer {
 public:
  PredictionServer(ServeOptions options, std::shared_ptr<const model::ModelRepository> models);
  ~PredictionServer();
  PredictionServer(const PredictionServer&) = delete;
  PredictionServer& operator=(const PredictionServer&) = delete;

  // Binds and starts serving; ready once it returns successfully.
  Status start();
  // Readiness goes false at once, then the HTTP server drains (up to drain_timeout).
  void stop();

  std::uint16_t port() const;
  bool ready() const;
  CacheStats cache_stats() const;
  std::int64_t coalesced() const;
  const ServeOptions& options() const { return options_; }

 private:
  struct State;
  ServeOptions options_;
  std::unique_ptr<State> state_;
  std::unique_ptr<http::Server> http_;
};

}  // namespace hone::serve
