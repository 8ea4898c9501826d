// Backend "trees": hone's native engine for XGBoost JSON tree models (see forest.h for what it
// supports). No per-call overhead, so single rows are cheap; predict() is thread-safe.
#pragma once

#include <memory>
#include <string>

#include "model/backend.h"

namespace hone::model {

Result<std::unique_ptr<Backend>> load_trees_backend(const std::string& artifact_path);

}  // namespace hone::model
