// What the route handlers share: the models, the readiness flag and request limits.
// Built before the server starts; afterwards only `ready` changes.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/message.h"
#include "model/repository.h"
#include "monitor/model_metrics.h"
#include "monitor/monitor.h"
#include "serve/coalescer.h"
#include "serve/json_input.h"
#include "serve/model_runner.h"
#include "serve/redis_cache.h"
#include "serve/response_cache.h"
#include "serve/router.h"
#include "serve/v1_codec.h"

namespace hone::serve {

struct ServeState {
  std::shared_ptr<const model::ModelRepository> models;
  std::atomic<bool> ready{false};
  JsonLimits json;
  std::unordered_map<const model::Model*, FeatureIndex> feature_index;
  std::unordered_map<const model::Model*, std::unique_ptr<ModelRunner>> runners;
  std::unique_ptr<ResponseCache> cache;
  std::unique_ptr<RedisCache> redis;  // L2, when configured
  Coalescer coalescer;
  SteadyClock::time_point started;
  bool metrics_enabled = true;
  std::unordered_map<const model::Model*, std::unique_ptr<monitor::ModelMetrics>> metrics;
  monitor::Monitor* monitor = nullptr;  // owned by the PredictionServer
  monitor::AlertEngine* alerts = nullptr;
  std::string admin_token;
  std::function<std::int64_t()> open_connections;
  std::atomic<std::int64_t> first_prediction_ns{-1};
  std::atomic<std::int64_t> ready_ns{-1};  // since `started`
  std::atomic<std::int64_t> warmup_ns{0};  // since `started`; -1 until one is answered

  // The model named in the path (and its version, when given), or a 404 answer.
  const model::Model* resolve(const PathParams& params, http::Response& not_found) const;
};

// An Error whose code is an HTTP status, as {"error": message}.
http::Response error_from(const Error& error);
// A failed job: its status and message; 503s say when to retry.
http::Response error_from_outcome(const JobOutcome& outcome);

// Writes a protocol's answer body for outputs of a decoded request.
using Encoder = std::function<void(const model::Model&, const InferRequest&, std::span<const float>,
                                   std::string&)>;

// The shape every prediction route shares, after decoding: the L1 cache (X-Cache: HIT|MISS,
// `Cache-Control: no-cache` skips the lookup), coalescing of identical misses, the model's
// runner, and the answer, encoded when the outputs arrive (possibly on a worker thread).
void serve_prediction(ServeState& state, const model::Model& model, InferRequest decoded,
                      const http::Request& http_request, Encoder encode, http::Responder responder);

// Finds the model named in the path and decodes the body with `decode`, or answers the error.
template <typename Decode>
void decode_and_serve(ServeState& state, http::Request& request, const PathParams& params,
                      http::Responder responder, Decode decode, Encoder encode) {
  http::Response response;
  const model::Model* model = state.resolve(params, response);
  if (model == nullptr) {
    responder.send(std::move(response));
    return;
  }
  Result<InferRequest> decoded = decode(*model);
  if (!decoded) {
    if (state.metrics_enabled) {
      auto& metrics = *state.metrics.at(model);
      metrics.started();
      metrics.failed(decoded.error().code >= 400 ? decoded.error().code : 500, request.received,
                     SteadyClock::now());
    }
    responder.send(error_from(decoded.error()));
    return;
  }
  serve_prediction(state, *model, std::move(*decoded), request, std::move(encode),
                   std::move(responder));
}

// Answers 401 and returns false unless the request carries the admin token
// (Authorization: Bearer TOKEN); without a configured token every admin call is refused.
bool require_admin(const ServeState& state, const http::Request& request,
                   http::Responder& responder);

// What a warmup did: rows predicted (rounds x samples) and the last round's outputs, row-major.
struct WarmupResult {
  std::size_t rows = 0;
  std::vector<float> outputs;
};
// Runs a model's warmup samples (or one row of zeros) through its backend, `rounds` times.
Result<WarmupResult> warm_up(const model::Model& model);

void add_v2_routes(Router& router, ServeState& state);
// The statistics extension; added before add_v2_routes so that /v2/models/stats is not a model.
void add_stats_routes(Router& router, ServeState& state);
void add_v1_routes(Router& router, ServeState& state);
void add_api_routes(Router& router, ServeState& state);
void add_dashboard_routes(Router& router);

}  // namespace hone::serve
