// Seeded mutants of a small XGBoost JSON model, mostly numbers swapped for hostile ones (child
// indices out of range or pointing back up, feature indices past the row, sizes that disagree):
// the native engine either refuses the file with a reason or loads a forest that predicts without
// reading out of bounds or looping. A tree that sends a walk back up would hang here, and the
// test's timeout would fail it.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "model/trees/trees_backend.h"
#include "model/xgboost/json_check.h"
#include "model/xgboost/trainer.h"
#include "model/xgboost/xgb_handle.h"
#include "model/xgboost/xgboost_backend.h"
#include "support/fixture_files.h"
#include "support/mutator.h"
#include "support/temp_dir.h"
#include "support/test_models.h"

namespace hone::model {
namespace {

std::string small_model(const std::string& objective, int classes,
                        const std::vector<std::pair<std::string, std::string>>& extra = {}) {
  hone::test::TempDir dir;
  TrainingSet set;
  set.rows = 400;
  set.cols = 4;
  set.features = hone::test::random_rows(set.rows, set.cols, 5);
  for (std::size_t r = 0; r < set.rows; ++r) {
    const float a = std::isnan(set.features[r * 4]) ? 0.5F : set.features[r * 4];
    set.labels.push_back(
        classes > 1 ? static_cast<float>(static_cast<int>(std::fabs(a) * 10) % classes) : a);
  }
  TrainingParams params;
  params.rounds = 3;
  params.params = {{"objective", objective}, {"max_depth", "3"}};
  if (classes > 1) params.params.push_back({"num_class", std::to_string(classes)});
  for (const auto& param : extra) params.params.push_back(param);
  const Status trained = train_xgboost(set, params, dir.file("m.json"));
  EXPECT_TRUE(trained) << trained.error().message;
  return test::read_whole_file(dir.file("m.json"));
}

TEST(MutatedModel, RefusedWithAReasonOrPredictsSafely) {
  const std::vector<std::string> seeds = {small_model("reg:squarederror", 1),
                                          small_model("multi:softprob", 3)};
  const std::vector<float> rows = hone::test::random_rows(16, 4, 6);
  hone::test::Mutator mutator(31);
  int loaded = 0;
  int refused = 0;
  const int rounds = hone::test::mutation_rounds(4000);
  for (int i = 0; i < rounds; ++i) {
    const std::string& seed = seeds[static_cast<std::size_t>(i) % 2];
    const auto forest =
        read_forest(i % 4 < 3 ? mutator.mutate_number(seed) : mutator.mutate(seed), "m");
    if (!forest) {
      EXPECT_EQ(forest.error().message.rfind("m:", 0), 0U) << forest.error().message;
      ++refused;
      continue;
    }
    ++loaded;
    // The row width is the model's own; rows wider than 4 features are padded with missing values.
    const std::size_t width = forest->num_features();
    if (width > 4096) continue;  // a mutated num_feature the test would not allocate rows for
    std::vector<float> input(16 * width, std::nanf(""));
    for (std::size_t r = 0; r < 16; ++r) {
      for (std::size_t c = 0; c < std::min<std::size_t>(width, 4); ++c)
        input[r * width + c] = rows[r * 4 + c];
    }
    std::vector<float> out(16 * forest->num_outputs());
    forest->predict(input, 16, out);
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
}

// The damage the mutants found, each refused with its reason (these used to load, then allocate
// without bound, convert out of range or walk past a tree).
TEST(MutatedModel, DamagedParametersAndTreesAreRefused) {
  const std::string model = small_model("reg:squarederror", 1);
  const auto refused = [](std::string text, const std::string& from, const std::string& to,
                          const std::string& reason) {
    const std::size_t at = text.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
    const auto forest = read_forest(text, "m");
    ASSERT_FALSE(forest) << to;
    EXPECT_NE(forest.error().message.find(reason), std::string::npos) << forest.error().message;
  };
  ASSERT_TRUE(read_forest(model, "m"));
  refused(model, R"("num_class":"0")", R"("num_class":"1E18")", "bad num_class");
  refused(model, R"("num_class":"0","num_feature":"4")", R"("num_class":"0","num_feature":"nan")",
          "bad num_feature");
  refused(model, R"("num_class":"0","num_feature":"4")", R"("num_class":"0","num_feature":"-4")",
          "bad num_feature");
  refused(model, R"("left_children":[1)", R"("left_children":[-2)", "child index out of range");
  refused(model, R"("right_children":[2)", R"("right_children":[2.5)", "child index out of range");
  std::string logistic = model;
  logistic.replace(logistic.find("reg:squarederror"), 16, "reg:logistic");
  const std::size_t base = logistic.find(R"("base_score":")");
  logistic.replace(base, logistic.find('"', base + 14) - base + 1, R"("base_score":"1")");
  refused(logistic, R"("base_score":"1")", R"("base_score":"1")", "base_score out of range");
}

// Writes mutants of `seeds` to FILE (`mutate` makes one) and loads each with the xgboost backend:
// refused with the file named, or loaded and able to predict; both outcomes must occur.
template <typename Mutate>
void load_mutants(const std::vector<std::string>& seeds, const std::string& file, Mutate mutate) {
  hone::test::TempDir dir;
  const std::string path = dir.file(file);
  const std::vector<float> rows = hone::test::random_rows(8, 4, 2);
  int loaded = 0;
  int refused = 0;
  const int rounds = hone::test::mutation_rounds(600);
  for (int i = 0; i < rounds; ++i) {
    const std::string& seed = seeds[static_cast<std::size_t>(i) % seeds.size()];
    std::ofstream(path, std::ios::binary | std::ios::trunc) << mutate(seed, i);
    auto backend = load_xgboost_backend(path, {1});
    if (!backend) {
      EXPECT_NE(backend.error().message.find(file), std::string::npos);
      ++refused;
      continue;
    }
    ++loaded;
    const BackendInfo& info = (*backend)->info();
    if (info.num_features != 4) continue;  // a mutated num_feature: rows would not fit
    std::vector<float> out(8 * info.num_outputs);
    (void)(*backend)->predict(rows, 8, out);
  }
  EXPECT_GT(loaded, 0);
  EXPECT_GT(refused, 0);
}

// libxgboost 1.7 trusts model files and crashes on damaged ones; the structural check in front of
// it must refuse every mutant libxgboost cannot take, and pass every model it can.
TEST(MutatedModel, XgboostBackendRefusesDamagedFilesInsteadOfCrashing) {
  hone::test::Mutator mutator(77);
  load_mutants({small_model("reg:squarederror", 1), small_model("multi:softprob", 3)}, "m.json",
               [&mutator](const std::string& seed, int i) {
                 return i % 4 < 3 ? mutator.mutate_number(seed) : mutator.mutate(seed);
               });
}

// The same for UBJSON files (.ubj): the check reads the JSON they spell (xgb::ubjson_to_json).
TEST(MutatedModel, XgboostBackendRefusesDamagedBinaryFilesInsteadOfCrashing) {
  std::vector<std::string> seeds;
  for (const auto& text : {small_model("reg:squarederror", 1), small_model("multi:softprob", 3)}) {
    auto booster = xgb::Booster::from_buffer(text);
    ASSERT_TRUE(booster);
    auto binary = booster->ubjson();
    ASSERT_TRUE(binary);
    seeds.push_back(*binary);
  }
  hone::test::Mutator mutator(78);
  load_mutants(seeds, "m.ubj",
               [&mutator](const std::string& seed, int) { return mutator.mutate(seed); });
}

TEST(MutatedModel, TheCheckPassesEveryBoosterLibxgboostWrites) {
  bool deleted_nodes = false;
  for (const auto& text :
       {small_model("reg:squarederror", 1), small_model("multi:softprob", 3),
        small_model("reg:squarederror", 1, {{"booster", "gblinear"}}),
        small_model("reg:squarederror", 1, {{"booster", "dart"}, {"rate_drop", "0.1"}}),
        small_model("reg:squarederror", 1, {{"num_parallel_tree", "3"}, {"subsample", "0.8"}}),
        // Pruned trees keep their deleted nodes in the file .
        small_model("reg:squarederror", 1,
                    {{"tree_method", "exact"},
                     {"updater", "grow_colmaker,prune"},
                     {"gamma", "0.02"},
                     {"max_depth", "6"}}),
        small_model("reg:squarederror", 1, {{"tree_method", "approx"}, {"gamma", "0.2"}})}) {
    const Status checked = xgb::check_model_json(text);
    EXPECT_TRUE(checked) << checked.error().message;
    for (auto at = text.find(R"("num_deleted":")"); at != std::string::npos;
         at = text.find(R"("num_deleted":")", at + 1)) {
      deleted_nodes |= text[at + 15] != '0';
    }
  }
  EXPECT_TRUE(deleted_nodes) << "no model with pruned nodes was checked";
}

}  // namespace
}  // namespace hone::model
