// TF-Serving style REST: {"instances": [[...], ...]} or {"instances": [{"feature": value}, ...]}
// in, {"predictions": [...]} out. Named instances need the model's feature names; a feature
// left out is a missing value, an unknown one is an error. Errors carry the HTTP status.
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

// One value per row as a flat list; several values per row as a list of lists.
void encode_v1_predictions(const model::Model& model, std::size_t rows,
                           std::span<const float> outputs, std::string& out);

}  // namespace hone::serve
