// KServe v2 / Open Inference Protocol JSON: decoding an infer request against a model's input
// spec (name, datatype, shape, row limit) and encoding the answer. Errors carry the HTTP status.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/repository.h"
#include "serve/infer_request.h"
#include "serve/json_input.h"

namespace hone::serve {

Result<InferRequest> decode_v2_infer(std::string& body, const model::Model& model,
                                     const JsonLimits& limits);

void encode_v2_infer(const model::Model& model, const InferRequest& request,
                     std::span<const float> outputs, std::string& out);

// Model metadata: {"name","versions","platform","inputs":[...],"outputs":[...]}.
// `versions`: the model's loaded versions (empty: the model's own).
void encode_v2_model_metadata(const model::Model& model, std::string& out,
                              const std::vector<std::string>& versions = {});

}  // namespace hone::serve
