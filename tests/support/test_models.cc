#include "support/test_models.h"

#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "support/temp_dir.h"

namespace hone::test {
namespace {

model::TrainingSet make_set(std::size_t rows, std::size_t cols, int classes, unsigned seed) {
  model::TrainingSet set;
  set.rows = rows;
  set.cols = cols;
  set.features = random_rows(rows, cols, seed);
  set.labels.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    const float* x = &set.features[r * cols];
    const float a = std::isnan(x[0]) ? 0.5F : x[0];
    const float b = std::isnan(x[1]) ? -0.5F : x[1];
    const float score = 2 * a - b + 0.5F * a * b;
    if (classes == 0) {
      set.labels[r] = score;
    } else if (classes == 2) {
      set.labels[r] = score > 0.3F ? 1.0F : 0.0F;
    } else {
      set.labels[r] = static_cast<float>(static_cast<int>(std::fabs(score) * 2) % classes);
    }
  }
  return set;
}

}  // namespace

std::vector<float> random_rows(std::size_t rows, std::size_t cols, unsigned seed) {
  std::mt19937 engine(seed);
  std::uniform_real_distribution<float> value(-2, 2);
  std::uniform_real_distribution<float> coin(0, 1);
  std::vector<float> out(rows * cols);
  for (float& x : out) x = coin(engine) < 0.1F ? std::nanf("") : value(engine);
  return out;
}

const std::vector<TestModel>& test_models() {
  static const std::vector<TestModel> models = [] {
    static const TempDir folder;  // removed when the test process exits
    const std::string dir = folder.path().string();
    struct Recipe {
      std::string name;
      std::string objective;
      int classes;
      std::size_t outputs;
      int depth;
      int rounds;
    };
    const std::vector<Recipe> recipes = {
        {"regression", "reg:squarederror", 0, 1, 6, 40},
        {"binary", "binary:logistic", 2, 1, 4, 30},
        {"softprob", "multi:softprob", 3, 3, 3, 20},
        {"softmax", "multi:softmax", 3, 1, 5, 20},
    };
    std::vector<TestModel> out;
    for (const auto& recipe : recipes) {
      const auto set = make_set(2000, 6, recipe.classes, 11);
      model::TrainingParams params;
      params.rounds = recipe.rounds;
      params.params = {{"objective", recipe.objective},
                       {"max_depth", std::to_string(recipe.depth)},
                       {"base_score", "0.3"}};
      if (recipe.classes > 2)
        params.params.push_back({"num_class", std::to_string(recipe.classes)});
      const std::string model_dir = dir + "/" + recipe.name;
      std::filesystem::create_directories(model_dir);
      const std::string path = model_dir + "/model.json";
      if (auto s = model::train_xgboost(set, params, path); !s) {
        throw std::runtime_error("training test model failed: " + s.error().message);
      }
      out.push_back({recipe.name, path, 6, recipe.outputs});
    }
    return out;
  }();
  return models;
}

const TestModel& test_model(const std::string& name) {
  for (const auto& model : test_models()) {
    if (model.name == name) return model;
  }
  throw std::runtime_error("no test model " + name);
}

}  // namespace hone::test
