// Backend "xgboost": predictions through libxgboost's C API (XGBoosterPredictFromDense), for any
// model libxgboost can load. libxgboost's predict call is not documented as thread-safe, so the
// backend keeps a small pool of boosters, each used by one thread at a time.
#pragma once

#include <memory>
#include <string>

#include "model/backend.h"

namespace hone::model {

struct XgboostOptions {
  int pool_size = 0;  // boosters (concurrent predictions); 0 = number of cores
};

// Reads the artifact (XGBoost JSON or UBJSON). Errors name the file and libxgboost's reason.
Result<std::unique_ptr<Backend>> load_xgboost_backend(const std::string& artifact_path,
                                                      const XgboostOptions& options = {});

}  // namespace hone::model
