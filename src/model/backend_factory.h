// Creates a Backend by name for an artifact file: "xgboost" (libxgboost), "trees" (hone's native
// engine: XGBoost JSON and LightGBM text models), or "auto": the native engine where it supports
// the model, libxgboost otherwise (a LightGBM model the native engine refuses is refused).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/backend.h"

namespace hone::model {

struct BackendOptions {
  int pool_size = 0;  // concurrent predictions a backend prepares for; 0 = number of cores
};

std::vector<std::string> backend_names();

// For "auto", `why` (when given) receives the engine chosen and the reason, in words.
Result<std::unique_ptr<Backend>> create_backend(const std::string& backend,
                                                const std::string& artifact,
                                                const BackendOptions& options = {},
                                                std::string* why = nullptr);

}  // namespace hone::model
