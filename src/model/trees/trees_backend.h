// Backend "trees": hone's native engine for XGBoost JSON and LightGBM text tree models (see the
// readers for what each supports). No per-call overhead, so single rows are cheap; predict() is
// thread-safe.
#pragma once

#include <memory>
#include <string>

#include "model/backend.h"
#include "model/trees/forest.h"

namespace hone::model {

// The model file's content read by the reader its format calls for; `name` prefixes errors.
Result<trees::Forest> read_forest(const std::string& text, const std::string& name);

Result<std::unique_ptr<Backend>> load_trees_backend(const std::string& artifact_path);

}  // namespace hone::model
