// The LightGBM reader beyond the fixtures' predictions: what it reports (names, categories,
// objective, layout), what `auto` and a model folder make of a model.txt, and refusals: each
// damage a file may carry is refused with its reason, and mutants of the fixtures are refused or
// predict safely (never a crash; run under ASan by the asan-ubsan preset).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "model/backend_factory.h"
#include "model/model_config.h"
#include "model/trees/trees_backend.h"
#include "support/fixture_files.h"
#include "support/mutator.h"
#include "support/temp_dir.h"

namespace hone::model {
namespace {

const std::string kFixtures = std::string(HONE_SOURCE_DIR) + "/tests/fixtures/lightgbm/";

std::string read(const std::string& path) { return test::read_whole_file(path); }

std::string fixture(const std::string& name) { return read(kFixtures + name + "/model.txt"); }

// `text` with the first `key=` line's value replaced.
std::string with_line(std::string text, const std::string& key, const std::string& value) {
  const auto at = text.find("\n" + key + "=");
  EXPECT_NE(at, std::string::npos) << key;
  const auto start = at + key.size() + 2;
  text.replace(start, text.find('\n', start) - start, value);
  return text;
}

std::string refusal(const std::string& text) {
  auto forest = read_forest(text, "m.txt");
  if (forest) return "loaded";
  return forest.error().message;
}

TEST(LightgbmReader, ReportsNamesCategoriesAndOutputs) {
  hone::test::TempDir dir;
  auto backend = create_backend("auto", kFixtures + "categorical/model.txt").value();
  const auto& info = backend->info();
  EXPECT_EQ(info.backend, "trees");
  EXPECT_EQ(info.objective, "regression");
  EXPECT_EQ(info.num_features, 4U);
  EXPECT_EQ(info.num_trees, 40U);
  EXPECT_EQ(info.feature_names, (std::vector<std::string>{"color", "city", "size", "weight"}));
  ASSERT_EQ(info.category_names.size(), 4U);
  EXPECT_EQ(info.category_names[0].size(), 10U);
  EXPECT_EQ(info.category_names[0][2], "blue");
  EXPECT_EQ(info.category_names[1][29], "city-29");
  EXPECT_TRUE(info.category_names[2].empty());
  EXPECT_EQ(create_backend("trees", kFixtures + "multiclass/model.txt").value()->info().output_name,
            "probabilities");
  EXPECT_EQ(create_backend("trees", kFixtures + "binary/model.txt").value()->info().output_name,
            "probability");
  EXPECT_EQ(create_backend("trees", kFixtures + "poisson/model.txt").value()->info().output_name,
            "prediction");
  EXPECT_EQ(
      create_backend("trees", kFixtures + "multiclassova/model.txt").value()->info().num_outputs,
      3U);
}

// Linear leaves are not explained (TreeSHAP explains constant leaves); a random forest's
// contributions are averaged as its trees are, so they sum to its prediction.
TEST(LightgbmReader, ExplainsRandomForestsAveragedAndNotLinearTrees) {
  EXPECT_FALSE(read_forest(fixture("linear_tree"), "l").value().explainable());
  EXPECT_EQ(
      create_backend("trees", kFixtures + "linear_tree/model.txt").value()->explanation_width(),
      0U);
  const auto forest = read_forest(fixture("random_forest"), "rf").value();
  ASSERT_TRUE(forest.explainable());
  std::vector<float> rows(20 * 6);
  for (std::size_t i = 0; i < rows.size(); ++i) rows[i] = static_cast<float>(i % 11) * 0.7F - 3;
  std::vector<float> predictions(20);
  std::vector<float> contributions(20 * 7);
  forest.predict(rows, 20, predictions);
  forest.explain(rows, 20, contributions);
  for (std::size_t r = 0; r < 20; ++r) {
    double sum = 0;
    for (std::size_t k = 0; k < 7; ++k) sum += contributions[r * 7 + k];
    EXPECT_NEAR(sum, predictions[r], 1e-4 * std::max(1.0, std::fabs(sum))) << r;
  }
}

// A LightGBM model of one tree that is a chain `leaves - 1` splits deep: node i sends x <= i left
// to leaf i and the rest on; leaf i's value is i.
std::string chain_model(std::size_t leaves) {
  std::string features, thresholds, types, left, right, values, counts, internal;
  for (std::size_t i = 0; i + 1 < leaves; ++i) {
    const std::string sep = i == 0 ? "" : " ";
    features += sep + "0";
    thresholds += sep + std::to_string(i);
    types += sep + "2";
    left += sep + std::to_string(-static_cast<long>(i) - 1);
    right +=
        sep + (i + 2 < leaves ? std::to_string(i + 1) : std::to_string(-static_cast<long>(i) - 2));
    internal += sep + std::to_string(leaves - i);
  }
  for (std::size_t i = 0; i < leaves; ++i) {
    values += (i == 0 ? "" : " ") + std::to_string(i);
    counts += (i == 0 ? "" : " ") + std::string("1");
  }
  return "tree\nversion=v4\nnum_class=1\nnum_tree_per_iteration=1\nmax_feature_idx=0\n"
         "objective=regression\n\nTree=0\nnum_leaves=" +
         std::to_string(leaves) + "\nnum_cat=0\nsplit_feature=" + features +
         "\nthreshold=" + thresholds + "\ndecision_type=" + types + "\nleft_child=" + left +
         "\nright_child=" + right + "\nleaf_value=" + values + "\nleaf_count=" + counts +
         "\ninternal_count=" + internal + "\nshrinkage=1\n\n\nend of trees\n";
}

// Deep trees load and predict without recursion; explanations (which recurse once per level)
// stop at 256 levels.
TEST(LightgbmReader, DeepChainsPredictAndAreExplainedOnlyUpTo256Levels) {
  const auto shallow = read_forest(chain_model(200), "c").value();
  EXPECT_TRUE(shallow.explainable());
  const auto deep = read_forest(chain_model(20000), "c");
  ASSERT_TRUE(deep) << deep.error().message;
  EXPECT_FALSE(deep->explainable());
  const std::vector<float> rows = {0.5F, 19998.5F, 1e9F};
  std::vector<float> out(3);
  deep->predict(rows, 3, out);
  EXPECT_EQ(out, (std::vector<float>{1, 19999, 19999}));
}

TEST(LightgbmReader, UsesTheCompleteLayoutWhereItCan) {
  EXPECT_GT(read_forest(fixture("regression"), "r").value().complete_depth(), 0);
  EXPECT_EQ(read_forest(fixture("regression_deep"), "d").value().complete_depth(), 0);
  EXPECT_EQ(read_forest(fixture("categorical"), "c").value().complete_depth(), 0);
  EXPECT_EQ(read_forest(fixture("linear_tree"), "l").value().complete_depth(), 0);
}

TEST(LightgbmReader, AModelFolderFindsItsModelTxt) {
  hone::test::TempDir dir;
  dir.write("lgb/model.txt", fixture("binary"));
  EXPECT_EQ(default_artifact(dir.file("lgb")), dir.file("lgb/model.txt"));
  dir.write("lgb/config.yaml", "name: lgb\n");
  auto config = load_model_config(dir.file("lgb")).value();
  EXPECT_EQ(config.artifact, dir.file("lgb/model.txt"));
  dir.write("both/model.txt", fixture("binary"));
  dir.write("both/model.json", "{}");
  EXPECT_EQ(default_artifact(dir.file("both")), dir.file("both/model.json"));
}

TEST(LightgbmReader, AutoRefusesABrokenLightgbmModelWithTheNativeReason) {
  hone::test::TempDir dir;
  const auto path = dir.write("cut.txt", fixture("binary").substr(0, 3000));
  std::string why;
  auto backend = create_backend("auto", path, {}, &why);
  ASSERT_FALSE(backend);
  EXPECT_NE(backend.error().message.find("LightGBM model"), std::string::npos)
      << backend.error().message;
}

TEST(LightgbmReader, AutoNamesTheFormatsItReadsForAnythingElse) {
  hone::test::TempDir dir;
  for (const char* content : {"a,b,c\n1,2,3\n", "\x01\x02binary", "tree\n"}) {
    const auto path = dir.write("m.bin", content);
    auto backend = create_backend("auto", path);
    ASSERT_FALSE(backend) << content;
    const auto& message = backend.error().message;
    if (std::string(content) == "tree\n") {  // starts as LightGBM: the LightGBM reader's reason
      EXPECT_NE(message.find("LightGBM model: no 'max_feature_idx'"), std::string::npos) << message;
    } else {
      EXPECT_NE(message.find("not a model file hone reads"), std::string::npos) << message;
      EXPECT_NE(message.find("LightGBM text model"), std::string::npos) << message;
    }
  }
}

TEST(LightgbmReader, RefusesDamageWithItsReason) {
  const std::string good = fixture("regression");
  ASSERT_EQ(refusal(good), "loaded");
  const auto expect = [](const std::string& text, const std::string& reason) {
    const std::string message = refusal(text);
    EXPECT_NE(message.find(reason), std::string::npos) << message;
    EXPECT_EQ(message.rfind("m.txt: LightGBM model: ", 0), 0U) << message;
  };
  expect(good.substr(0, good.find("end of trees")), "do not end with 'end of trees'");
  expect(with_line(good, "max_feature_idx", "x"), "'x' is not an integer");
  expect(with_line(good, "max_feature_idx", "-1"), "bad max_feature_idx");
  expect(with_line(good, "num_tree_per_iteration", "0"), "bad num_tree_per_iteration");
  expect(with_line(good, "num_leaves", "0"), "tree 0: bad num_leaves");
  expect(with_line(good, "num_leaves", "5"), "holds");
  expect(with_line(good, "threshold", "1 2"), "'threshold' holds 2 values");
  expect(with_line(good, "objective", "binary sigmoid:-1"), "bad sigmoid");
  expect(with_line(good, "feature_names", "a b"), "feature_names does not name every feature");
  const std::string leaves = good.substr(good.find("\nleft_child=") + 12);
  const std::size_t count = static_cast<std::size_t>(
      std::count(leaves.begin(), leaves.begin() + static_cast<long>(leaves.find('\n')), ' ') + 1);
  std::string children;
  for (std::size_t i = 0; i < count; ++i) children += (i ? " " : "") + std::string("-99");
  expect(with_line(good, "left_child", children), "child -99 out of range");
  std::string features;
  for (std::size_t i = 0; i < count; ++i) features += (i ? " " : "") + std::string("6");
  expect(with_line(good, "split_feature", features), "split on feature 6 of a 6-feature model");
  // Feature 0 read with missing type NaN (8) by some splits and None (0) by others.
  std::string types;
  for (std::size_t i = 0; i < count; ++i) types += i % 2 ? " 0" : (i ? " 8" : "8");
  std::string zero_features;
  for (std::size_t i = 0; i < count; ++i) zero_features += (i ? " " : "") + std::string("0");
  expect(with_line(with_line(good, "split_feature", zero_features), "decision_type", types),
         "different missing-value types");
  const std::string categorical = fixture("categorical");
  expect(categorical.substr(0, categorical.rfind("pandas_categorical:")) +
             "pandas_categorical:[[\"a\"]]\n",
         "pandas_categorical names 1 categorical columns but feature_infos has 2");
  // Tree 0 has 12 category sets: 13 boundaries, here out of order.
  expect(with_line(categorical, "cat_boundaries", "0 2 1 3 4 5 6 7 8 9 10 11 12"),
         "bad cat_boundaries");
  EXPECT_EQ(refusal("{\"learner\": 1}").find("LightGBM"), std::string::npos);  // not LightGBM
}

TEST(LightgbmReader, MutantsAreRefusedWithAReasonOrPredictSafely) {
  const std::vector<std::string> seeds = {fixture("categorical"), fixture("linear_tree"),
                                          fixture("multiclass"), fixture("zero_as_missing")};
  std::vector<float> rows;
  for (int i = 0; i < 16 * 6; ++i) {
    rows.push_back(i % 7 == 0 ? std::nanf("") : static_cast<float>((i * 37) % 23) / 3.0F - 2.0F);
  }
  hone::test::Mutator mutator(47);
  int loaded = 0;
  int refused = 0;
  const int rounds = hone::test::mutation_rounds(600);
  for (int i = 0; i < rounds; ++i) {
    const std::string& seed = seeds[static_cast<std::size_t>(i) % seeds.size()];
    const auto forest =
        read_forest(i % 4 < 3 ? mutator.mutate_number(seed) : mutator.mutate(seed), "m");
    if (!forest) {
      EXPECT_FALSE(forest.error().message.empty());
      ++refused;
      continue;
    }
    ++loaded;
    const std::size_t width = forest->num_features();
    if (width > 6) continue;
    std::vector<float> input(16 * width);
    std::copy(rows.begin(), rows.begin() + static_cast<long>(input.size()), input.begin());
    std::vector<float> out(16 * forest->num_outputs());
    forest->predict(input, 16, out);
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
}

}  // namespace
}  // namespace hone::model
