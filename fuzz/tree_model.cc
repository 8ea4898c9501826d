// The tree model readers: the structural check run before libxgboost sees an XGBoost file (on the
// JSON text, or on the JSON a UBJSON file spells) and hone's native engine (Forest) on XGBoost
// JSON, LightGBM text and ONNX-ML tree ensembles (protobuf). Whatever JSON the UBJSON reader writes
// is valid JSON; a model that loads predicts a row of missing values and a row of zeros into as
// many outputs as it says.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

#include "fuzz_input.h"
#include "model/trees/trees_backend.h"
#include "model/xgboost/json_check.h"
#include "model/xgboost/ubjson.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text = hone::fuzz::text_of(data, size);
  if (hone::model::xgb::model_format(text) == hone::model::xgb::ModelFormat::kUbjson) {
    auto json = hone::model::xgb::ubjson_to_json(text);
    if (!json) {
      if (json.error().message.empty()) std::abort();
      return 0;
    }
    text = std::move(*json);
  }
  (void)hone::model::xgb::check_model_json(text);
  auto forest = hone::model::read_forest(text, "fuzz");
  if (!forest) {
    if (forest.error().message.empty()) std::abort();
    return 0;
  }
  const std::size_t width = forest->num_features();
  if (width > 100000) return 0;
  std::vector<float> rows(width, std::numeric_limits<float>::quiet_NaN());
  rows.resize(2 * width, 0.0F);
  std::vector<float> out(2 * forest->num_outputs());
  forest->predict(rows, 2, out);
  return 0;
}
