// The xgboost backend must give exactly libxgboost's own predictions (through a DMatrix, the
// way XGBoost's users call it) for every objective, with missing values, from several threads.
#include "model/xgboost/xgboost_backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <fstream>
#include <thread>

#include "model/xgboost/xgb_handle.h"
#include "support/temp_dir.h"
#include "support/test_models.h"
#include "support/xgb_reference.h"

namespace hone::model {
namespace {

std::vector<float> reference(const std::string& path, const std::vector<float>& rows,
                             std::size_t row_count, std::size_t cols) {
  return test::xgboost_reference(path, rows, row_count, cols);
}

class XgboostBackendTest : public ::testing::TestWithParam<std::string> {};

TEST_P(XgboostBackendTest, MatchesLibxgboostExactly) {
  const auto& model = test::test_model(GetParam());
  auto backend = load_xgboost_backend(model.path, {2});
  ASSERT_TRUE(backend) << backend.error().message;
  const BackendInfo& info = (*backend)->info();
  EXPECT_EQ(info.num_features, model.features);
  EXPECT_EQ(info.num_outputs, model.outputs);

  const std::size_t rows = 1000;
  const auto input = test::random_rows(rows, model.features, 99);
  std::vector<float> out(rows * info.num_outputs);
  ASSERT_TRUE((*backend)->predict(input, rows, out));
  const auto expected = reference(model.path, input, rows, model.features);
  ASSERT_EQ(expected.size(), out.size());
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], expected[i]) << "value " << i;
}

TEST_P(XgboostBackendTest, SingleRowsMatchTheBatch) {
  const auto& model = test::test_model(GetParam());
  auto backend = load_xgboost_backend(model.path, {1}).value();
  const std::size_t width = backend->info().num_outputs;
  const auto input = test::random_rows(20, model.features, 5);
  std::vector<float> batch(20 * width);
  ASSERT_TRUE(backend->predict(input, 20, batch));
  for (std::size_t r = 0; r < 20; ++r) {
    std::vector<float> one(width);
    ASSERT_TRUE(
        backend->predict(std::span(input).subspan(r * model.features, model.features), 1, one));
    for (std::size_t k = 0; k < width; ++k) EXPECT_EQ(one[k], batch[r * width + k]);
  }
}

// Explanations are libxgboost's own pred_contribs: one set per class for multi-class models.
TEST_P(XgboostBackendTest, ExplainsWithLibxgboostsPredContribs) {
  const auto& model = test::test_model(GetParam());
  auto backend = load_xgboost_backend(model.path, {1}).value();
  const std::size_t classes = GetParam() == "softprob" || GetParam() == "softmax" ? 3 : 1;
  ASSERT_EQ(backend->explanation_width(), classes * (model.features + 1));
  const std::size_t rows = 50;
  const auto input = test::random_rows(rows, model.features, 8);
  std::vector<float> out(rows * backend->explanation_width());
  ASSERT_TRUE(backend->explain(input, rows, out));
  const auto expected = test::xgboost_reference(model.path, input, rows, model.features, 2);
  ASSERT_EQ(expected.size(), out.size());
  for (std::size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], expected[i]) << "value " << i;
  std::vector<float> wrong(3);
  EXPECT_FALSE(backend->explain(input, rows, wrong));
}

INSTANTIATE_TEST_SUITE_P(Objectives, XgboostBackendTest,
                         ::testing::Values("regression", "binary", "softprob", "softmax"));

TEST(XgboostBackend, ReportsObjectiveAndShape) {
  auto softprob = load_xgboost_backend(test::test_model("softprob").path).value();
  EXPECT_EQ(softprob->info().objective, "multi:softprob");
  EXPECT_EQ(softprob->info().num_outputs, 3U);
  EXPECT_EQ(softprob->info().num_trees, 60U);
  auto binary = load_xgboost_backend(test::test_model("binary").path).value();
  EXPECT_EQ(binary->info().objective, "binary:logistic");
  EXPECT_EQ(binary->info().num_outputs, 1U);
}

TEST(XgboostBackend, AllMissingRowGetsDefaultDirections) {
  auto backend = load_xgboost_backend(test::test_model("regression").path).value();
  std::vector<float> row(6, std::nanf(""));
  std::vector<float> out(1);
  ASSERT_TRUE(backend->predict(row, 1, out));
  EXPECT_TRUE(std::isfinite(out[0]));
  EXPECT_EQ(out, reference(test::test_model("regression").path, row, 1, 6));
}

TEST(XgboostBackend, ConcurrentPredictionsAreCorrect) {
  const auto& model = test::test_model("softprob");
  auto backend = load_xgboost_backend(model.path, {2}).value();
  const auto input = test::random_rows(64, model.features, 3);
  std::vector<float> expected(64 * 3);
  ASSERT_TRUE(backend->predict(input, 64, expected));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      std::vector<float> out(64 * 3);
      for (int i = 0; i < 50; ++i) {
        if (!backend->predict(input, 64, out) || out != expected) ++mismatches;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(XgboostBackend, MismatchedBuffersAreAnError) {
  auto backend = load_xgboost_backend(test::test_model("regression").path).value();
  std::vector<float> rows(5);  // not a multiple of 6 features
  std::vector<float> out(1);
  EXPECT_FALSE(backend->predict(rows, 1, out));
}

TEST(XgboostBackend, BadArtifactsAreClearErrors) {
  test::TempDir dir;
  const auto garbage = dir.write("garbage.json", "{\"not\": \"a model\"}");
  auto loaded = load_xgboost_backend(garbage);
  ASSERT_FALSE(loaded);
  EXPECT_NE(loaded.error().message.find(garbage), std::string::npos) << loaded.error().message;
  auto missing = load_xgboost_backend(dir.file("absent.json"));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
  const auto truncated = dir.write("truncated.json", "{\"learner\": {");
  EXPECT_FALSE(load_xgboost_backend(truncated));
}

TEST(XgboostBackend, ReadsJsonAndUbjsonAndRefusesOtherFormats) {
  test::TempDir dir;
  std::ifstream in(test::test_model("binary").path);
  const std::string json((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string ubjson = xgb::Booster::from_buffer(json).value().ubjson().value();
  const std::string ubj_path = dir.file("model.ubj");
  std::ofstream(ubj_path, std::ios::binary) << ubjson;
  auto from_json = load_xgboost_backend(test::test_model("binary").path).value();
  auto from_ubjson = load_xgboost_backend(ubj_path).value();
  const std::vector<float> rows = test::random_rows(5, from_json->info().num_features, 3);
  std::vector<float> a(5);
  std::vector<float> b(5);
  ASSERT_TRUE(from_json->predict(rows, 5, a));
  ASSERT_TRUE(from_ubjson->predict(rows, 5, b));
  EXPECT_EQ(a, b);
  EXPECT_TRUE(load_xgboost_backend(dir.write("spaced.json", "  \n" + json)));
  // The old binary format's reader trusts lengths in the file: not read at all.
  for (const std::string& other : {std::string("binf\x01\x02\x03"), "del_par" + json}) {
    auto refused = load_xgboost_backend(dir.write("other.model", other));
    ASSERT_FALSE(refused);
    EXPECT_NE(refused.error().message.find("not an XGBoost JSON or UBJSON model"),
              std::string::npos)
        << refused.error().message;
  }
}

}  // namespace
}  // namespace hone::model
