#include "model/explaining_backend.h"

#include <algorithm>
#include <vector>

namespace hone::model {
namespace {

class ExplainingBackend final : public Backend {
 public:
  explicit ExplainingBackend(Backend& inner) : inner_(inner), info_(inner.info()) {
    info_.num_outputs = inner.info().num_outputs + inner.explanation_width();
  }

  const BackendInfo& info() const override { return info_; }
  // An explanation costs far more than a prediction (every path of every tree): never inline.
  Capabilities capabilities() const override {
    Capabilities capabilities = inner_.capabilities();
    capabilities.inline_rows = 0;
    return capabilities;
  }
  bool ready() const override { return inner_.ready(); }

  Status predict(std::span<const float> rows, std::size_t row_count,
                 std::span<float> out) override {
    if (Status sizes = check_buffers(rows, row_count, out); !sizes) return sizes;
    const std::size_t outputs = inner_.info().num_outputs;
    const std::size_t explained = inner_.explanation_width();
    std::vector<float> predictions(row_count * outputs);
    std::vector<float> contributions(row_count * explained);
    if (Status predicted = inner_.predict(rows, row_count, predictions); !predicted)
      return predicted;
    if (Status done = inner_.explain(rows, row_count, contributions); !done) return done;
    for (std::size_t r = 0; r < row_count; ++r) {
      float* row = out.data() + r * (outputs + explained);
      std::copy_n(predictions.data() + r * outputs, outputs, row);
      std::copy_n(contributions.data() + r * explained, explained, row + outputs);
    }
    return {};
  }

 private:
  Backend& inner_;
  BackendInfo info_;
};

}  // namespace

bool explainable(const Model& model) { return model.backend->explanation_width() > 0; }

Model explaining_model(const Model& model) {
  Model twin;
  twin.config = model.config;
  auto& output = twin.config.outputs.front();
  output.shape = {
      -1, output.row_width() + static_cast<std::int64_t>(model.backend->explanation_width())};
  twin.backend = std::make_unique<ExplainingBackend>(*model.backend);
  twin.fingerprint = model.fingerprint + "+explain";
  twin.backend_choice = model.backend_choice;
  return twin;
}

}  // namespace hone::model
