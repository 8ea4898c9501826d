// What a model serves when a request asks for explanations: the same model whose rows are wider,
// each row's predictions followed by the backend's explanation of them (Backend::explain), so
// that explained requests are queued, batched, timed out and cached exactly as predictions are,
// by the same runner code, under their own cache entries.
#pragma once

#include "model/repository.h"

namespace hone::model {

// Whether the model's backend can explain its predictions.
bool explainable(const Model& model);

// The explaining twin of `model` (which must outlive it and be explainable): its output tensor is
// `output width + explanation width` wide, its backend calls `model`'s backend, and its
// fingerprint differs, so explained answers never share cache entries with plain ones.
Model explaining_model(const Model& model);

}  // namespace hone::model
