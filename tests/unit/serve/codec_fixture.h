// A model description for codec tests: the codecs read only the config, never the backend.
#pragma once

#include "model/repository.h"

namespace hone::serve::test {

inline model::Model make_model(std::int64_t width = 3, std::int64_t outputs = 1,
                               std::vector<std::string> names = {"a", "b", "c"}) {
  model::Model model;
  model.config.name = "m";
  model.config.version = "1";
  model.config.backend = "xgboost";  // as loaded: the engine, never "auto"
  model.config.max_rows_per_request = 4;
  model.config.inputs.push_back({"features", model::DataType::kFp32, {-1, width}, names});
  model.config.outputs.push_back({"score", model::DataType::kFp32, {-1, outputs}, {}});
  return model;
}

}  // namespace hone::serve::test
