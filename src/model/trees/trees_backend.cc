#include "model/trees/trees_backend.h"

#include <fstream>
#include <sstream>

#include "model/trees/lightgbm_reader.h"
#include "model/trees/onnx_reader.h"
#include "model/trees/xgboost_reader.h"

namespace hone::model {
namespace {

class TreesBackend final : public Backend {
 public:
  explicit TreesBackend(trees::Forest forest) : forest_(std::move(forest)) {
    info_.backend = "trees";
    info_.objective = forest_.objective();
    info_.num_features = forest_.num_features();
    info_.num_outputs = forest_.num_outputs();
    info_.num_trees = forest_.num_trees();
    info_.feature_names = forest_.feature_names();
    info_.output_name = forest_.output_name();
    info_.category_names = forest_.category_names();
    info_.input_name = forest_.input_name();
    info_.class_labels = forest_.class_labels();
    info_.integer_labels = forest_.integer_labels();
  }

  const BackendInfo& info() const override { return info_; }
  std::size_t memory_bytes() const override { return forest_.memory_bytes(); }
  // 32 rows take ~20 us on the native engine: cheaper inline than through a queue.
  Capabilities capabilities() const override { return {.inline_rows = 32}; }

  Status predict(std::span<const float> rows, std::size_t row_count,
                 std::span<float> out) override {
    if (Status sizes = check_buffers(rows, row_count, out); !sizes) return sizes;
    forest_.predict(rows, row_count, out);
    return {};
  }

  std::size_t explanation_width() const override {
    return forest_.explainable() ? forest_.explanation_width() : 0;
  }
  Status explain(std::span<const float> rows, std::size_t row_count,
                 std::span<float> out) override {
    if (explanation_width() == 0) return Backend::explain(rows, row_count, out);
    if (rows.size() != row_count * info_.num_features ||
        out.size() != row_count * explanation_width()) {
      return fail("explain called with mismatched buffer sizes");
    }
    forest_.explain(rows, row_count, out);
    return {};
  }

 private:
  trees::Forest forest_;
  BackendInfo info_;
};

}  // namespace

Result<trees::Forest> read_forest(const std::string& text, const std::string& name) {
  auto ensemble = trees::looks_like_lightgbm(text) ? trees::read_lightgbm_text(text, name)
                  : trees::looks_like_onnx(text)   ? trees::read_onnx(text, name)
                                                   : trees::read_xgboost_json(text, name);
  if (!ensemble) return ensemble.error();
  return trees::Forest::compile(std::move(*ensemble), name);
}

Result<std::unique_ptr<Backend>> load_trees_backend(const std::string& artifact_path) {
  std::ifstream in(artifact_path, std::ios::binary);
  if (!in) return fail(artifact_path + ": cannot open the model file");
  std::ostringstream text;
  text << in.rdbuf();
  auto forest = read_forest(text.str(), artifact_path);
  if (!forest) return forest.error();
  return std::unique_ptr<Backend>(std::make_unique<TreesBackend>(std::move(*forest)));
}

}  // namespace hone::model
