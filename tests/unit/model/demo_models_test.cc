#include "model/demo_models.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "model/repository.h"
#include "support/fixture_files.h"
#include "support/temp_dir.h"

namespace hone::model {
namespace {

std::string read(const std::filesystem::path& path) { return test::read_whole_file(path.string()); }

TEST(DemoModels, DatasetsAreReproducibleAndShaped) {
  auto a = demo_dataset("fraud-detector", 500, 1).value();
  auto b = demo_dataset("fraud-detector", 500, 1).value();
  EXPECT_EQ(a.cols, 30U);
  ASSERT_EQ(a.features.size(), b.features.size());
  EXPECT_EQ(std::memcmp(a.features.data(), b.features.data(), a.features.size() * 4), 0);
  std::size_t missing = 0;
  double positives = 0;
  for (const float x : a.features) missing += std::isnan(x) ? 1 : 0;
  for (const float y : a.labels) positives += y;
  EXPECT_GT(missing, 0U);  // the fraud data exercises missing values
  EXPECT_GT(positives / 500, 0.005);
  EXPECT_LT(positives / 500, 0.3);
  auto ceramic = demo_dataset("ceramic-armor", 100, 1).value();
  EXPECT_EQ(ceramic.cols, 12U);
  EXPECT_FALSE(demo_dataset("no-such-model", 10, 1));
}

// The committed examples/models must be exactly what `hone model demo` writes today.
TEST(DemoModels, CommittedExamplesAreReproducible) {
  test::TempDir dir;
  ASSERT_TRUE(write_demo_models(dir.path().string()));
  const std::filesystem::path committed =
      std::filesystem::path(HONE_SOURCE_DIR) / "examples/models";
  for (const auto& name : demo_model_names()) {
    for (const char* file : {"config.yaml", "model.json"}) {
      EXPECT_EQ(read(dir.path() / name / file), read(committed / name / file))
          << name << "/" << file << " differs from a fresh `hone model demo`";
    }
  }
  ModelRepository repository;
  ASSERT_TRUE(repository.load_directory(dir.path().string(), {1}));
  EXPECT_EQ(repository.find("ceramic-armor")->input().row_width(), 12);
  EXPECT_EQ(repository.find("fraud-detector")->input().row_width(), 30);
}

}  // namespace
}  // namespace hone::model
