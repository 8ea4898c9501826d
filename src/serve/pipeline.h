// One served model's prediction path, owned by one object: after a route has decoded a request,
// the in-process cache (L1), coalescing of identical misses, Redis (L2), the model's runner
// (inline, worker queue or batcher, as its backend's capabilities say), the backend, and the
// answer, encoded by the route's protocol. Each stage stamps its start and end into the request's
// trace where it happens, so every statistic exported about it is measured, never inferred.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "http/message.h"
#include "http/server.h"
#include "model/repository.h"
#include "monitor/cache_statistics.h"
#include "monitor/model_metrics.h"
#include "serve/admission.h"
#include "serve/answer_probe.h"
#include "serve/api_outcome.h"
#include "serve/coalescer.h"
#include "serve/infer_request.h"
#include "serve/model_runner.h"
#include "serve/redis_cache.h"
#include "serve/response_cache.h"
#include "serve/v1_codec.h"

namespace hone::serve {

// What every pipeline shares: the caches and the coalescers (of models' and json upstreams'
// flights).
struct SharedCaches {
  explicit SharedCaches(std::size_t l1_bytes) : l1(l1_bytes) {}
  ResponseCache l1;
  std::unique_ptr<RedisCache> l2;  // when configured
  Coalescer coalescer;
  BasicCoalescer<ApiOutcome> api_coalescer;

  // One reading of all three, for every exporter (see monitor/cache_statistics.h).
  monitor::CacheFigures figures() const;
};

// The server's start-up milestones, in nanoseconds since `started`.
struct Milestones {
  std::chrono::steady_clock::time_point started;
  std::atomic<std::int64_t> first_prediction_ns{-1};
  std::atomic<std::int64_t> ready_ns{-1};
  std::atomic<std::int64_t> warmup_ns{0};
  // Records (and logs) the first prediction answered; cheap after the first.
  void note_first_prediction();
};

// Writes a protocol's answer body for outputs of a decoded request.
using Encoder = std::function<void(const model::Model&, const InferRequest&, std::span<const float>,
                                   std::string&)>;

// Made with make_shared: each request in flight holds its pipeline until it is answered, so a
// model unloaded or replaced finishes what it was given (see serve/model_table.h).
class ModelPipeline : public std::enable_shared_from_this<ModelPipeline> {
 public:
  // `metrics`: the model's (shared by its versions and kept across reloads); null: none kept.
  ModelPipeline(std::shared_ptr<const model::Model> model, SharedCaches& caches,
                Milestones& milestones, std::shared_ptr<monitor::ModelMetrics> metrics);
  ModelPipeline(const ModelPipeline&) = delete;
  ModelPipeline& operator=(const ModelPipeline&) = delete;

  const model::Model& model() const { return *model_; }
  const std::shared_ptr<const model::Model>& shared_model() const { return model_; }
  const FeatureIndex& features() const { return features_; }
  // Whether its backend can answer now (an upstream's health).
  bool backend_ready() const { return model_->backend->ready(); }
  // Null when the server runs with --no-metrics.
  monitor::ModelMetrics* metrics() { return metrics_.get(); }
  const monitor::ModelMetrics* metrics() const { return metrics_.get(); }

  // A request whose body could not be decoded: answered with the error, and counted.
  void refuse(const Error& error, const http::Request& request, http::Responder responder);
  // A request refused with a ready answer (401, 403, 429 of the API keys): sent, and counted.
  void refuse(http::Response answer, const http::Request& request, http::Responder responder);
  // Counts a request in under the server's bound and this model's, before it is decoded; when
  // either is full, answers 503 with Retry-After (counted) and returns false.
  bool admit(AdmissionLimit& server, const http::Request& request, http::Responder& responder,
             AdmissionTicket& ticket);
  const AdmissionLimit& admission() const { return admission_; }
  // When a request was last admitted (steady clock, ns); 0 before the first.
  std::int64_t last_used_ns() const { return last_used_ns_.load(std::memory_order_relaxed); }
  // A decoded request. X-Cache: HIT|MISS on models with a cache; `Cache-Control: no-cache`
  // skips the lookups (the answer is still stored). The ticket is held until it is answered.
  void serve(InferRequest decoded, const http::Request& request, Encoder encode,
             http::Responder responder, AdmissionTicket ticket = {});
  // Refuses new work and answers queued requests with 503.
  void stop();

 private:
  struct Flight;
  using FlightPtr = std::shared_ptr<Flight>;

  void lookup_redis(const FlightPtr& flight);
  void compute(const FlightPtr& flight);
  void stored(const FlightPtr& flight, const JobOutcome& outcome);
  void complete(const FlightPtr& flight, const JobOutcome& outcome);
  void answer(const FlightPtr& flight, std::span<const float> outputs, const char* cache_status);

  std::shared_ptr<const model::Model> model_;
  SharedCaches& caches_;
  Milestones& milestones_;
  FeatureIndex features_;
  std::shared_ptr<monitor::ModelMetrics> metrics_;
  std::unique_ptr<ModelRunner> runner_;
  // Requests that ask for explanations go to the model's explaining twin (wider rows, their own
  // cache entries) through a runner of its own, made at the first such request (so its workers
  // exist only where explanations are asked for); null when the backend cannot explain.
  std::unique_ptr<model::Model> explaining_;
  ModelRunner& explaining_runner();
  std::mutex explaining_mutex_;
  std::unique_ptr<ModelRunner> explaining_runner_;
  ExecutionObserver observer_;
  bool stopped_ = false;  // under explaining_mutex_
  AdmissionLimit admission_;
  std::atomic<std::int64_t> last_used_ns_{0};
  monitor::Stage call_stage_;  // kCompute, or kUpstream for a remote backend
};

}  // namespace hone::serve
