// The XGBoost JSON model readers: hone's native engine (Forest) and the check run before
// libxgboost sees a file. A model that loads predicts a row of missing values and a row of zeros
// into as many outputs as it says.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

#include "fuzz_input.h"
#include "model/trees/forest.h"
#include "model/xgboost/json_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text = hone::fuzz::text_of(data, size);
  (void)hone::model::xgb::model_format(text);
  (void)hone::model::xgb::check_model_json(text);
  auto forest = hone::model::trees::Forest::from_xgboost_json(text, "fuzz");
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
