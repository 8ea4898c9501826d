// The prediction codecs: a KServe v2 `infer` body (first byte even) or a TF-Serving v1
// `predict` body (odd), for a model of three named features. A body decodes into as many rows as
// it says within the model's limit, or fails with a 4xx and a message.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "serve/json_input.h"
#include "serve/v1_codec.h"
#include "serve/v2_codec.h"

namespace {

// The decoders ask the backend only what it is (its explanation width, for "explain": true).
class Explainable final : public hone::model::Backend {
 public:
  Explainable() {
    info_.backend = "trees";
    info_.num_features = 3;
  }
  const hone::model::BackendInfo& info() const override { return info_; }
  std::size_t explanation_width() const override { return 4; }
  hone::Status predict(std::span<const float>, std::size_t, std::span<float>) override {
    return {};
  }

 private:
  hone::model::BackendInfo info_;
};

hone::model::Model make_model() {
  hone::model::Model model;
  model.config.name = "m";
  model.config.backend = "xgboost";
  model.config.max_rows_per_request = 8;
  model.config.inputs.push_back({"features",
                                 hone::model::DataType::kFp32,
                                 {-1, 3},
                                 {"a", "b", "c"},
                                 {{}, {"red", "green"}, {}}});  // b may be sent by category name
  model.config.outputs.push_back({"score", hone::model::DataType::kFp32, {-1, 1}, {}});
  model.backend = std::make_unique<Explainable>();
  return model;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static const hone::model::Model model = make_model();
  static const auto index = hone::serve::make_feature_index(model);
  hone::serve::JsonLimits limits;
  limits.max_depth = 16;
  std::string body(reinterpret_cast<const char*>(data + 1), size - 1);
  const auto decoded = data[0] % 2 == 0
                           ? hone::serve::decode_v2_infer(body, model, limits)
                           : hone::serve::decode_v1_predict(body, model, index, limits);
  if (!decoded) {
    if (decoded.error().code < 400 || decoded.error().code >= 500) std::abort();
    if (decoded.error().message.empty()) std::abort();
    return 0;
  }
  if (decoded->row_count > model.config.max_rows_per_request) std::abort();
  if (decoded->rows.size() != decoded->row_count * 3) std::abort();
  return 0;
}
