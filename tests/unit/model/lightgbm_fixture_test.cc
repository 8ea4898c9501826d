// The native engine against LightGBM's own predictions: each folder of tests/fixtures/lightgbm
// holds a model LightGBM trained (every objective, missing-value type, categorical splits, linear
// trees, random forests), rows with missing values, zeros, tiny, huge and unseen values, and what
// LightGBM predicted for them (scripts/lightgbm-fixtures writes them). Within 1e-6 relative.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/backend_factory.h"
#include "model/trees/trees_backend.h"
#include "support/fixture_files.h"

namespace hone::model {
namespace {

namespace fs = std::filesystem;
using test::read_csv;
using test::relative_difference;

const std::string kFixtures = std::string(HONE_SOURCE_DIR) + "/tests/fixtures/lightgbm/";

struct Fixture {
  std::string name;
  std::vector<float> rows;  // row-major
  std::size_t row_count = 0;
  std::vector<double> expected;
};

Fixture load_fixture(const std::string& name) {
  Fixture fixture;
  fixture.name = name;
  for (const auto& row : read_csv(kFixtures + name + "/rows.csv")) {
    for (const double value : row) fixture.rows.push_back(static_cast<float>(value));
    ++fixture.row_count;
  }
  for (const auto& row : read_csv(kFixtures + name + "/expected.csv")) {
    fixture.expected.insert(fixture.expected.end(), row.begin(), row.end());
  }
  return fixture;
}

// The fixture folders; with `file`, those that hold it.
std::vector<std::string> fixture_names(const std::string& file = "model.txt") {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(kFixtures)) {
    if (entry.is_directory() && fs::exists(entry.path() / file))
      names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class LightgbmFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(LightgbmFixture, MatchesLightgbmsOwnPredictions) {
  const Fixture fixture = load_fixture(GetParam());
  ASSERT_GT(fixture.row_count, 300U);
  auto backend = load_trees_backend(kFixtures + GetParam() + "/model.txt");
  ASSERT_TRUE(backend) << backend.error().message;
  const std::size_t outputs = (*backend)->info().num_outputs;
  ASSERT_EQ(fixture.expected.size(), fixture.row_count * outputs);
  std::vector<float> out(fixture.row_count * outputs);
  ASSERT_TRUE((*backend)->predict(fixture.rows, fixture.row_count, out));
  double worst = 0;
  std::size_t worst_at = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double difference = relative_difference(out[i], fixture.expected[i]);
    if (difference > worst) {
      worst = difference;
      worst_at = i;
    }
  }
  EXPECT_LT(worst, 1e-6) << GetParam() << ": row " << worst_at / outputs << " output "
                         << worst_at % outputs << " is " << out[worst_at] << ", LightGBM "
                         << fixture.expected[worst_at];
}

// TreeSHAP against LightGBM's predict_contrib, where the fixture has it: within 1e-5 of the
// larger of the value and 1 (contributions near 0 are sums of terms that cancel).
class LightgbmExplained : public ::testing::TestWithParam<std::string> {};

// Fixtures without contributions.csv are those where hone's differ from LightGBM's by design
// (linear trees, random forests: see make_cases.py); lightgbm_reader_test covers them.
TEST_P(LightgbmExplained, ExplainsAsLightgbmsPredictContrib) {
  const std::string path = kFixtures + GetParam() + "/contributions.csv";
  const Fixture fixture = load_fixture(GetParam());
  std::vector<double> expected;
  for (const auto& row : read_csv(path)) expected.insert(expected.end(), row.begin(), row.end());
  const auto forest =
      read_forest(test::read_whole_file(kFixtures + GetParam() + "/model.txt"), GetParam()).value();
  ASSERT_TRUE(forest.explainable());
  std::vector<float> out(fixture.row_count * forest.explanation_width());
  ASSERT_EQ(expected.size(), out.size());
  forest.explain(fixture.rows, fixture.row_count, out);
  double worst = 0;
  std::size_t worst_at = 0;
  for (std::size_t i = 0; i < out.size(); ++i) {
    const double difference =
        std::fabs(out[i] - expected[i]) / std::max(1.0, std::fabs(expected[i]));
    if (difference > worst) {
      worst = difference;
      worst_at = i;
    }
  }
  EXPECT_LT(worst, 1e-5) << GetParam() << ": value " << worst_at << " is " << out[worst_at]
                         << ", LightGBM " << expected[worst_at];
}

INSTANTIATE_TEST_SUITE_P(Cases, LightgbmFixture, ::testing::ValuesIn(fixture_names()),
                         [](const auto& test) { return test.param; });
INSTANTIATE_TEST_SUITE_P(Cases, LightgbmExplained,
                         ::testing::ValuesIn(fixture_names("contributions.csv")),
                         [](const auto& test) { return test.param; });

}  // namespace
}  // namespace hone::model
