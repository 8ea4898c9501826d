// What the route handlers share: the models, the readiness flag and request limits.
// Built before the server starts; afterwards only `ready` changes.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "http/message.h"
#include "model/repository.h"
#include "serve/json_input.h"
#include "serve/model_runner.h"
#include "serve/router.h"
#include "serve/v1_codec.h"

namespace hone::serve {

struct ServeState {
  std::shared_ptr<const model::ModelRepository> models;
  std::atomic<bool> ready{false};
  JsonLimits json;
  std::unordered_map<const model::Model*, FeatureIndex> feature_index;
  std::unordered_map<const model::Model*, std::unique_ptr<ModelRunner>> runners;

  // The model named in the path (and its version, when given), or a 404 answer.
  const model::Model* resolve(const PathParams& params, http::Response& not_found) const;
};

// An Error whose code is an HTTP status, as {"error": message}.
http::Response error_from(const Error& error);
// A failed job: its status and message; 503s say when to retry.
http::Response error_from_outcome(const JobOutcome& outcome);

template <typename Encode>
http::Response encode_outcome(const model::Model& model, const InferRequest& request,
                              const JobOutcome& outcome, const Encode& encode) {
  http::Response response;
  encode(model, request, outcome.outputs, response.body);
  return response;
}

// The shape every prediction route shares: find the model, decode, hand the rows to the model's
// runner, encode the answer when it comes back (possibly on a worker thread). `decode` returns
// Result<InferRequest>; `encode(model, request, outputs, body)` appends the answer body.
template <typename Decode, typename Encode>
void answer_prediction(ServeState& state, const PathParams& params, http::Responder responder,
                       Decode decode, Encode encode) {
  http::Response response;
  const model::Model* model = state.resolve(params, response);
  if (model == nullptr) {
    responder.send(std::move(response));
    return;
  }
  Result<InferRequest> decoded = decode(*model);
  if (!decoded) {
    responder.send(error_from(decoded.error()));
    return;
  }
  auto request = std::make_shared<InferRequest>(std::move(*decoded));
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  Job job;
  job.rows = std::move(request->rows);
  job.row_count = request->row_count;
  if (request->timeout_us > 0) {
    job.deadline = SteadyClock::now() + std::chrono::microseconds(request->timeout_us);
  }
  job.done = [model, request, answer, encode](JobOutcome&& outcome) {
    answer->send(outcome.status == 200 ? encode_outcome(*model, *request, outcome, encode)
                                       : error_from_outcome(outcome));
  };
  state.runners.at(model)->submit(std::move(job));
}

void add_v2_routes(Router& router, ServeState& state);
void add_v1_routes(Router& router, ServeState& state);

}  // namespace hone::serve
