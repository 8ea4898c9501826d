// What the route handlers share: the models' pipelines, the caches, readiness and limits.
// Built before the server starts; afterwards `ready`, the milestones and the model table change
// (the table through the model lifecycle, see serve/model_lifecycle.h).
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "http/message.h"
#include "model/repository.h"
#include "monitor/monitor.h"
#include "serve/admission.h"
#include "serve/api_pipeline.h"
#include "serve/auth.h"
#include "serve/json_input.h"
#include "serve/model_table.h"
#include "serve/pipeline.h"
#include "serve/router.h"

namespace hone::serve {

// A served model or json upstream as the exporters see it: its config and its metrics (and,
// for a model with backend auto, the engine it chose and why, and its admission bound).
struct Metered {
  const model::ModelConfig* config;
  const monitor::ModelMetrics* metrics;
  std::string_view backend_choice;
  const AdmissionLimit* admission = nullptr;  // models (json upstreams have their call queue)
  std::shared_ptr<const ModelPipeline> pin;   // keeps a model's pointers valid; null for apis
};

// Each model's metrics, by name: shared by its versions and kept while the server runs, so that
// its counters go on across reloads instead of starting again. Any thread.
class MetricsByModel {
 public:
  std::shared_ptr<monitor::ModelMetrics> of(const std::string& model);

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<monitor::ModelMetrics>, std::less<>> metrics_;
};

class ModelLifecycle;

struct ServeState {
  ServeState(std::size_t l1_bytes, std::size_t max_in_flight)
      : caches(l1_bytes), admission(AdmissionSettings{max_in_flight}) {}

  std::shared_ptr<const model::ModelRepository> initial;  // what the server started with
  ModelTable table;                                       // the models served now
  MetricsByModel model_metrics;
  ModelLifecycle* lifecycle = nullptr;             // owned by the PredictionServer
  std::vector<std::unique_ptr<ApiPipeline>> apis;  // json upstreams, by name
  SharedCaches caches;
  AdmissionLimit admission;  // every model's predictions together (--max-in-flight)
  Milestones milestones;
  std::atomic<bool> ready{false};
  JsonLimits json;
  bool metrics_enabled = true;
  monitor::Monitor* monitor = nullptr;  // owned by the PredictionServer
  monitor::AlertEngine* alerts = nullptr;
  std::string admin_token;
  Authenticator* auth = nullptr;  // predictions need credentials when set
  std::function<std::int64_t()> open_connections;
  std::size_t max_connections = 0;  // the bound on them; 0: none

  // The pipeline of the model named in the path (and its version, when given), or a 404 answer.
  std::shared_ptr<ModelPipeline> resolve(const PathParams& params, http::Response& not_found) const;
  // Every loaded version's pipeline: by model name, then in serving order.
  std::vector<std::shared_ptr<ModelPipeline>> all() const;
  // Every model's (its default version's) and json upstream's config and metrics (with metrics
  // on), models first.
  std::vector<Metered> metered() const;
  // The json upstream mounted where `path` is (the longest mount that claims it), or null.
  ApiPipeline* api_for(std::string_view path) const;
  // Warmed up, not draining, and every backend ready (upstreams healthy).
  bool all_ready() const;
};

// An Error whose code is an HTTP status, as {"error": message}.
http::Response error_from(const Error& error);

// With a memory budget (--model-memory), a model of the repository that is not loaded is loaded
// for the request: true when the request was handed over (`retry` runs once the load is done,
// on the lifecycle's thread, or answers the load's failure).
bool load_for(ServeState& state, const PathParams& params, http::Request& request,
              http::Responder& responder,
              std::function<void(http::Request&, http::Responder)> retry);

// Finds the model named in the path and decodes the body with `decode`, or answers the error.
template <typename Decode>
void decode_and_serve(ServeState& state, http::Request& request, const PathParams& params,
                      http::Responder responder, Decode decode, Encoder encode,
                      bool may_load = true) {
  http::Response response;
  const std::shared_ptr<ModelPipeline> pipeline = state.resolve(params, response);
  if (pipeline == nullptr) {
    if (may_load &&
        load_for(state, params, request, responder,
                 [&state, params, decode, encode](http::Request& again, http::Responder answer) {
                   decode_and_serve(state, again, params, std::move(answer), decode, encode, false);
                 })) {
      return;
    }
    responder.send(std::move(response));
    return;
  }
  if (state.auth != nullptr) {
    const AuthVerdict verdict = state.auth->check(request, pipeline->model().config);
    if (verdict.status != 200) {
      pipeline->refuse(Authenticator::refusal(verdict), request, std::move(responder));
      return;
    }
  }
  AdmissionTicket ticket;
  if (!pipeline->admit(state.admission, request, responder, ticket)) return;
  Result<InferRequest> decoded = decode(*pipeline, request);
  if (!decoded) {
    pipeline->refuse(decoded.error(), request, std::move(responder));
    return;
  }
  pipeline->serve(std::move(*decoded), request, std::move(encode), std::move(responder),
                  std::move(ticket));
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
// The model repository extension: its index (GET or POST /v2/repository/index), and loads and
// unloads (POST /v2/repository/models/{m}/load|unload, admin token, --model-control explicit).
void add_repository_routes(Router& router, ServeState& state);
void add_api_routes(Router& router, ServeState& state);
void add_dashboard_routes(Router& router);

}  // namespace hone::serve
