// The native tree engine against libxgboost itself: 10k random rows with missing values, every
// demo model and models of several objectives, depths, tree counts and forests; max relative
// difference under 1e-6. And refusals of what it does not support.
#include "model/trees/trees_backend.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "model/backend_factory.h"
#include "model/demo_models.h"
#include "model/trees/forest.h"
#include "model/xgboost/trainer.h"
#include "support/fixture_files.h"
#include "support/temp_dir.h"
#include "support/test_models.h"
#include "support/xgb_reference.h"

namespace hone::model {
namespace {

double max_relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double scale = std::max(
        {std::fabs(static_cast<double>(a[i])), std::fabs(static_cast<double>(b[i])), 1e-6});
    worst = std::max(worst, std::fabs(static_cast<double>(a[i]) - b[i]) / scale);
  }
  return worst;
}

void expect_matches(const std::string& path, std::size_t features, unsigned seed) {
  auto backend = load_trees_backend(path);
  ASSERT_TRUE(backend) << backend.error().message;
  const std::size_t rows = 10000;
  // Rows mix values around the split points with missing ones.
  auto input = hone::test::random_rows(rows, features, seed);
  std::vector<float> out(rows * (*backend)->info().num_outputs);
  ASSERT_TRUE((*backend)->predict(input, rows, out));
  const auto expected = hone::test::xgboost_reference(path, input, rows, features);
  ASSERT_EQ(out.size(), expected.size());
  EXPECT_LT(max_relative_difference(out, expected), 1e-6) << path;
}

TEST(TreesBackend, MatchesLibxgboostOnEveryTestObjective) {
  for (const auto& model : hone::test::test_models())
    expect_matches(model.path, model.features, 17);
}

TEST(TreesBackend, MatchesLibxgboostOnTheDemoModels) {
  const std::string examples = std::string(HONE_SOURCE_DIR) + "/examples/models/";
  // The demo data's own distribution exercises the real split points.
  for (const auto& name : demo_model_names()) {
    const std::string path = examples + name + "/model.json";
    auto data = demo_dataset(name, 10000, 99).value();
    auto backend = load_trees_backend(path).value();
    std::vector<float> out(10000);
    ASSERT_TRUE(backend->predict(data.features, 10000, out));
    const auto expected = hone::test::xgboost_reference(path, data.features, 10000, data.cols);
    EXPECT_LT(max_relative_difference(out, expected), 1e-6) << name;
    expect_matches(path, data.cols, 5);
  }
}

struct Recipe {
  std::string objective;
  int depth;
  int rounds;
  int classes;
  std::vector<std::pair<std::string, std::string>> extra;
};

class TreesObjectives : public ::testing::TestWithParam<Recipe> {};

TEST_P(TreesObjectives, MatchLibxgboost) {
  const Recipe& recipe = GetParam();
  hone::test::TempDir dir;
  TrainingSet set;
  set.rows = 3000;
  set.cols = 8;
  set.features = hone::test::random_rows(set.rows, set.cols, 3);
  std::mt19937 engine(4);
  std::uniform_real_distribution<float> noise(0, 1);
  for (std::size_t r = 0; r < set.rows; ++r) {
    const float a = std::isnan(set.features[r * 8]) ? 0 : set.features[r * 8];
    const float b = std::isnan(set.features[r * 8 + 3]) ? 1 : set.features[r * 8 + 3];
    const float score = a * a + b + noise(engine);
    if (recipe.classes > 1) {
      set.labels.push_back(
          static_cast<float>(static_cast<int>(std::fabs(score) * 2) % recipe.classes));
    } else if (recipe.objective.find("logistic") != std::string::npos ||
               recipe.objective.find("logitraw") != std::string::npos) {
      set.labels.push_back(score > 1.5F ? 1.0F : 0.0F);
    } else {
      set.labels.push_back(std::fabs(score) + 0.1F);  // positive for poisson/gamma/tweedie
    }
  }
  TrainingParams params;
  params.rounds = recipe.rounds;
  params.params = {{"objective", recipe.objective}, {"max_depth", std::to_string(recipe.depth)}};
  if (recipe.classes > 1) params.params.push_back({"num_class", std::to_string(recipe.classes)});
  for (const auto& extra : recipe.extra) params.params.push_back(extra);
  const std::string path = dir.file("model.json");
  ASSERT_TRUE(train_xgboost(set, params, path));
  expect_matches(path, 8, 21);
}

void PrintTo(const Recipe& recipe, std::ostream* out) {
  *out << recipe.objective << "/" << recipe.depth;
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, TreesObjectives,
    ::testing::Values(
        Recipe{"reg:squarederror", 2, 5, 0, {}}, Recipe{"reg:squarederror", 10, 60, 0, {}},
        Recipe{"reg:squarederror", 16, 20, 0, {{"min_child_weight", "0"}}},
        Recipe{"reg:squarederror", 6, 20, 0, {{"num_parallel_tree", "4"}, {"subsample", "0.8"}}},
        Recipe{"reg:logistic", 4, 30, 0, {}}, Recipe{"binary:logitraw", 5, 30, 0, {}},
        Recipe{"count:poisson", 4, 30, 0, {}}, Recipe{"reg:gamma", 4, 30, 0, {}},
        Recipe{"reg:tweedie", 4, 30, 0, {}}, Recipe{"reg:pseudohubererror", 4, 20, 0, {}},
        Recipe{"multi:softprob", 4, 15, 5, {}}, Recipe{"multi:softmax", 3, 15, 4, {}},
        Recipe{"binary:logistic", 6, 40, 0, {{"base_score", "0.2"}}}));

TEST(TreesBackend, ChoosesTheLayoutByDepth) {
  const auto read = [](const std::string& path) { return hone::test::read_whole_file(path); };
  auto shallow = read_forest(read(hone::test::test_model("regression").path), "r").value();
  EXPECT_EQ(shallow.complete_depth(), 6);
  hone::test::TempDir dir;
  TrainingSet set;
  set.rows = 4000;
  set.cols = 4;
  set.features = hone::test::random_rows(set.rows, 4, 9);
  for (std::size_t r = 0; r < set.rows; ++r) set.labels.push_back(static_cast<float>(r % 97));
  TrainingParams params;
  params.rounds = 2;
  params.params = {{"max_depth", "14"}, {"min_child_weight", "0"}, {"lambda", "0"}};
  ASSERT_TRUE(train_xgboost(set, params, dir.file("deep.json")));
  auto deep = read_forest(read(dir.file("deep.json")), "d").value();
  EXPECT_EQ(deep.complete_depth(), 0);  // deeper than 10: node layout
  expect_matches(dir.file("deep.json"), 4, 8);
}

TEST(TreesBackend, ReportsWhatItLoaded) {
  const auto& model = hone::test::test_model("softprob");
  auto backend = load_trees_backend(model.path).value();
  EXPECT_EQ(backend->info().backend, "trees");
  EXPECT_EQ(backend->info().objective, "multi:softprob");
  EXPECT_EQ(backend->info().num_outputs, 3U);
  EXPECT_EQ(backend->info().num_trees, 60U);
  auto demo = load_trees_backend(std::string(HONE_SOURCE_DIR) +
                                 "/examples/models/fraud-detector/model.json")
                  .value();
  EXPECT_EQ(demo->info().feature_names.size(), 30U);
}

TEST(TreesBackend, RefusesWhatItDoesNotSupport) {
  hone::test::TempDir dir;
  TrainingSet set;
  set.rows = 200;
  set.cols = 3;
  set.features = hone::test::random_rows(200, 3, 1);
  for (std::size_t r = 0; r < 200; ++r) set.labels.push_back(static_cast<float>(r % 2));
  const auto train = [&](const std::vector<std::pair<std::string, std::string>>& params) {
    TrainingParams p;
    p.rounds = 3;
    p.params = params;
    const std::string path = dir.file(params.front().second + ".json");
    EXPECT_TRUE(train_xgboost(set, p, path));
    return path;
  };
  const auto expect_refused = [](const std::string& path, const std::string& reason) {
    auto loaded = load_trees_backend(path);
    ASSERT_FALSE(loaded) << path;
    EXPECT_NE(loaded.error().message.find(reason), std::string::npos) << loaded.error().message;
    EXPECT_NE(loaded.error().message.find("xgboost backend"), std::string::npos);
  };
  expect_refused(train({{"booster", "gblinear"}}), "booster 'gblinear'");
  expect_refused(train({{"booster", "dart"}}), "booster 'dart'");
  expect_refused(train({{"objective", "rank:pairwise"}}), "objective 'rank:pairwise'");
  expect_refused(dir.write("ubj.ubj", "\x7b\x4c"), "XGBoost JSON and LightGBM text models only");
  expect_refused(dir.write("x.json", "{\"a\":1}"), "no 'learner'");
  expect_refused(dir.write("bin.json", "\x01\x02"), "LightGBM text models only");
  EXPECT_FALSE(load_trees_backend(dir.file("absent.json")));
}

// backend auto: the native engine where it supports the model, libxgboost where it does not,
// with the choice and its reason; either way the predictions are libxgboost's.
TEST(BackendAuto, PicksTheNativeEngineWhereItCanAndLibxgboostElsewhere) {
  const auto predictions = [](Backend& backend, const std::vector<float>& rows, std::size_t count) {
    std::vector<float> out(count * backend.info().num_outputs);
    const Status done = backend.predict(rows, count, out);
    EXPECT_TRUE(done) << done.error().message;
    return out;
  };
  const auto& supported = hone::test::test_model("softprob");
  std::string why;
  auto native = create_backend("auto", supported.path, {1}, &why);
  ASSERT_TRUE(native) << native.error().message;
  EXPECT_EQ((*native)->info().backend, "trees");
  EXPECT_EQ(why, "trees: the native engine supports this model");
  const auto rows = hone::test::random_rows(1000, supported.features, 5);
  EXPECT_LT(max_relative_difference(
                predictions(**native, rows, 1000),
                hone::test::xgboost_reference(supported.path, rows, 1000, supported.features)),
            1e-6);

  hone::test::TempDir dir;
  TrainingSet set;
  set.rows = 200;
  set.cols = 3;
  set.features = hone::test::random_rows(200, 3, 1);
  for (std::size_t r = 0; r < 200; ++r) set.labels.push_back(static_cast<float>(r % 3));
  for (const std::string booster : {"gblinear", "dart"}) {
    TrainingParams params;
    params.rounds = 3;
    params.params = {{"booster", booster}};
    const std::string path = dir.file(booster + ".json");
    ASSERT_TRUE(train_xgboost(set, params, path));
    auto chosen = create_backend("auto", path, {1}, &why);
    ASSERT_TRUE(chosen) << chosen.error().message;
    EXPECT_EQ((*chosen)->info().backend, "xgboost") << booster;
    EXPECT_EQ(why, "xgboost: booster '" + booster + "' is not supported by the trees backend");
    const auto input = hone::test::random_rows(200, 3, 9);
    EXPECT_LT(max_relative_difference(predictions(**chosen, input, 200),
                                      hone::test::xgboost_reference(path, input, 200, 3)),
              1e-6)
        << booster;
  }
  // A file neither engine reads: libxgboost's refusal, which names what is wrong with it.
  const auto damaged = create_backend("auto", dir.write("bad.json", "{\"learner\": 3"), {1}, &why);
  ASSERT_FALSE(damaged);
  EXPECT_EQ(create_backend("auto", dir.file("absent.json")).error().message.find("trees"),
            std::string::npos);
}

}  // namespace
}  // namespace hone::model

namespace hone::model {
namespace {

// TreeSHAP against libxgboost's pred_contribs on every test objective and the demo models:
// within 1e-5 of the larger of the value and 1; and each group's values sum to its margin.
void expect_explains(const std::string& path, std::size_t features, unsigned seed) {
  const auto forest = read_forest(hone::test::read_whole_file(path), path).value();
  ASSERT_TRUE(forest.explainable()) << path;
  const std::size_t rows = 500;
  const auto input = hone::test::random_rows(rows, features, seed);
  std::vector<float> out(rows * forest.explanation_width());
  forest.explain(input, rows, out);
  const auto expected = hone::test::xgboost_reference(path, input, rows, features, 2);
  ASSERT_EQ(out.size(), expected.size()) << path;
  double worst = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    worst = std::max(worst, std::fabs(static_cast<double>(out[i]) - expected[i]) /
                                std::max(1.0, std::fabs(static_cast<double>(expected[i]))));
  }
  EXPECT_LT(worst, 1e-5) << path;
}

TEST(TreesExplain, MatchesLibxgboostsPredContribs) {
  for (const auto& model : hone::test::test_models())
    expect_explains(model.path, model.features, 5);
  const std::string examples = std::string(HONE_SOURCE_DIR) + "/examples/models/";
  expect_explains(examples + "ceramic-armor/model.json", 12, 6);
  expect_explains(examples + "fraud-detector/model.json", 30, 7);
}

TEST(TreesExplain, ContributionsSumToTheMargin) {
  const auto& model = hone::test::test_model("regression");
  const auto forest = read_forest(hone::test::read_whole_file(model.path), "r").value();
  const auto input = hone::test::random_rows(50, model.features, 3);
  std::vector<float> predictions(50);
  std::vector<float> contributions(50 * forest.explanation_width());
  forest.predict(input, 50, predictions);
  forest.explain(input, 50, contributions);
  for (std::size_t r = 0; r < 50; ++r) {
    double sum = 0;
    for (std::size_t i = 0; i < forest.explanation_width(); ++i)
      sum += contributions[r * forest.explanation_width() + i];
    EXPECT_NEAR(sum, predictions[r], 1e-4 * std::max(1.0, std::fabs(sum))) << r;
  }
}

}  // namespace
}  // namespace hone::model
