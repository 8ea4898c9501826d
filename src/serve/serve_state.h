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
#include "serve/router.h"
#include "serve/v1_codec.h"

namespace hone::serve {

struct ServeState {
  std::shared_ptr<const model::ModelRepository> models;
  std::atomic<bool> ready{false};
  JsonLimits json;
  std::unordered_map<const model::Model*, FeatureIndex> feature_index;

  // The model named in the path (and its version, when given), or a 404 answer.
  const model::Model* resolve(const PathParams& params, http::Response& not_found) const;
};

// An Error whose code is an HTTP status, as {"error": message}.
http::Response error_from(const Error& error);

// Runs the model on decoded rows; failures are 500s (the input was already validated).
Status run_model(const model::Model& model, const std::vector<float>& rows, std::size_t row_count,
                 std::vector<float>& outputs);

// The shape every prediction route shares: find the model, decode, run, encode. `decode`
// returns Result<InferRequest>; `encode` appends the answer body. Errors become their status.
template <typename Decode, typename Encode>
void answer_prediction(const ServeState& state, const PathParams& params, http::Responder responder,
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
  std::vector<float> outputs;
  if (auto s = run_model(*model, decoded->rows, decoded->row_count, outputs); !s) {
    responder.send(error_from(s.error()));
    return;
  }
  encode(*model, *decoded, outputs, response.body);
  responder.send(std::move(response));
}

void add_v2_routes(Router& router, ServeState& state);
void add_v1_routes(Router& router, ServeState& state);

}  // namespace hone::serve
