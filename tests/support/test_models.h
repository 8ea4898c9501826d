// Small XGBoost models of every kind the backend must handle, trained once per test process
// into a temporary folder: regression, binary logistic, multi-class softprob and softmax,
// each trained on data with missing values.
#pragma once

#include <string>
#include <vector>

#include "model/xgboost/trainer.h"

namespace hone::test {

struct TestModel {
  std::string name;  // "regression", "binary", "softprob", "softmax"
  std::string path;  // model.json
  std::size_t features;
  std::size_t outputs;  // values per row
};

// The trained models (the first call trains them; later calls return the same files).
const std::vector<TestModel>& test_models();
const TestModel& test_model(const std::string& name);

// Random rows with about 10% missing values.
std::vector<float> random_rows(std::size_t rows, std::size_t cols, unsigned seed);

}  // namespace hone::test
