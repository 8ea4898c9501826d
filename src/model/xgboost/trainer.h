// Trains XGBoost models through libxgboost's C API, single-threaded so that the same data and
// parameters always give the same artifact. Used by `hone model demo` and by tests that need
// models of several kinds.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/result.h"

namespace hone::model {

struct TrainingSet {
  std::vector<float> features;  // rows x cols, row-major, NaN = missing
  std::vector<float> labels;    // one per row
  std::size_t rows = 0;
  std::size_t cols = 0;
  std::vector<std::string> feature_names;  // optional; cols entries when given
};

struct TrainingParams {
  std::vector<std::pair<std::string, std::string>> params;  // e.g. {"max_depth", "6"}
  int rounds = 100;
};

// Trains and writes the model to `path` (JSON when the name ends in .json).
Status train_xgboost(const TrainingSet& data, const TrainingParams& params,
                     const std::string& path);

}  // namespace hone::model
