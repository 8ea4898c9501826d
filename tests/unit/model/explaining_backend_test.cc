// The explaining twin of a model: rows of predictions then contributions, a wider output, its
// own fingerprint, never inline; and none for a model that cannot be explained.
#include "model/explaining_backend.h"

#include <gtest/gtest.h>

#include "model/backend_factory.h"
#include "support/test_models.h"

namespace hone::model {
namespace {

Model model_on(const std::string& backend,
               const std::string& path = hone::test::test_model("softprob").path) {
  Model model;
  model.config = config_for_artifact("m", path, backend);
  model.backend = create_backend(backend, path).value();
  EXPECT_TRUE(reconcile(model.config, model.backend->info()));
  model.fingerprint = "f";
  return model;
}

TEST(ExplainingModel, RowsHoldPredictionsThenContributions) {
  const Model model = model_on("trees");
  ASSERT_TRUE(explainable(model));
  const Model twin = explaining_model(model);
  const std::size_t features = model.backend->info().num_features;
  const std::size_t outputs = model.backend->info().num_outputs;  // 3 classes
  const std::size_t explained = model.backend->explanation_width();
  EXPECT_EQ(explained, outputs * (features + 1));
  EXPECT_EQ(twin.output().row_width(), static_cast<std::int64_t>(outputs + explained));
  EXPECT_EQ(twin.backend->info().num_outputs, outputs + explained);
  EXPECT_NE(twin.fingerprint, model.fingerprint);
  EXPECT_EQ(twin.backend->capabilities().inline_rows, 0U);
  EXPECT_GT(model.backend->capabilities().inline_rows, 0U);

  const auto rows = hone::test::random_rows(3, features, 4);
  std::vector<float> predictions(3 * outputs);
  std::vector<float> contributions(3 * explained);
  ASSERT_TRUE(model.backend->predict(rows, 3, predictions));
  ASSERT_TRUE(model.backend->explain(rows, 3, contributions));
  std::vector<float> both(3 * (outputs + explained));
  ASSERT_TRUE(twin.backend->predict(rows, 3, both));
  for (std::size_t r = 0; r < 3; ++r) {
    for (std::size_t k = 0; k < outputs; ++k)
      EXPECT_EQ(both[r * (outputs + explained) + k], predictions[r * outputs + k]);
    for (std::size_t k = 0; k < explained; ++k)
      EXPECT_EQ(both[r * (outputs + explained) + outputs + k], contributions[r * explained + k]);
  }
}

TEST(ExplainingModel, LibxgboostExplainsToo) {
  const Model model = model_on("xgboost");
  ASSERT_TRUE(explainable(model));
  EXPECT_EQ(explaining_model(model).backend->info().num_outputs,
            model.backend->info().num_outputs + model.backend->explanation_width());
}

// LightGBM's linear trees are not explained.
TEST(ExplainingModel, NoneForAModelThatCannotExplain) {
  const Model model = model_on(
      "trees", std::string(HONE_SOURCE_DIR) + "/tests/fixtures/lightgbm/linear_tree/model.txt");
  EXPECT_FALSE(explainable(model));
  std::vector<float> out(1);
  EXPECT_FALSE(model.backend->explain({}, 0, out));
}

}  // namespace
}  // namespace hone::model
