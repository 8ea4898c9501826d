// TF-Serving style REST. Row form: {"instances": [[...], ...]} or {"instances": [{"feature":
// value}, ...]} in, {"predictions": [...]} out. Columnar form: {"inputs": [[...], ...]},
// {"inputs": {"<input name>": [[...], ...]}} or {"inputs": {"feature": [v0, v1, ...], ...}}
// (one list per feature, a value per row) in, {"outputs": [...]} out. Named features need the
// model's feature names; a feature left out is a missing value, an unknown one is an error.
// Errors carry the HTTP status. Also the model status and metadata answers.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.h"
#include "model/repository.h"
#include "serve/infer_request.h"
#include "serve/json_input.h"

namespace hone::serve {

// Feature name -> column, built once per model.
using FeatureIndex = std::unordered_map<std::string_view, std::size_t>;
FeatureIndex make_feature_index(const model::Model& model);

Result<InferRequest> decode_v1_predict(std::string& body, const model::Model& model,
                                       const FeatureIndex& features, const JsonLimits& limits);

// One value per row as a flat list; several values per row as a list of lists, under
// "predictions" (row form) or "outputs" (columnar form).
void encode_v1_predictions(const model::Model& model, const InferRequest& request,
                           std::span<const float> outputs, std::string& out);

// TF-Serving's model state: AVAILABLE when ready; not ready before the server was first ready
// is LOADING (models load and warm up); not ready after it is UNLOADING (draining).
std::string_view v1_model_state(bool ready, bool was_ready);

// GET /v1/models/{m}: {"model_version_status": [{"version", "state", "status"}]}.
void encode_v1_model_status(const model::Model& model, std::string_view state, std::string& out);
// GET /v1/models/{m}/metadata: the model spec and a serving_default signature with its input
// and output tensors (dtype and shape, -1 for the batch), as TF-Serving answers it.
void encode_v1_model_metadata(const model::Model& model, std::string& out);

}  // namespace hone::serve
