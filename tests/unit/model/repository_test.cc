#include "model/repository.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.h"
#include "support/test_models.h"

namespace hone::model {
namespace {
namespace fs = std::filesystem;

void copy_model(const test::TempDir& dir, const std::string& folder, const std::string& kind) {
  fs::create_directories(dir.path() / folder);
  fs::copy_file(test::test_model(kind).path, dir.path() / folder / "model.json");
}

TEST(Repository, LoadsEveryModelFolder) {
  test::TempDir dir;
  copy_model(dir, "reg", "regression");
  dir.write("reg/config.yaml", "backend: xgboost\n");
  copy_model(dir, "cls", "softprob");
  dir.write("cls/config.yaml", "name: classes\n");
  dir.write("not-a-model/readme.txt", "ignored: no config.yaml\n");
  ModelRepository repository;
  ASSERT_TRUE(repository.load_directory(dir.path().string(), {1}));
  ASSERT_EQ(repository.models().size(), 2U);
  ASSERT_NE(repository.find("reg"), nullptr);
  ASSERT_NE(repository.find("classes"), nullptr);
  EXPECT_EQ(repository.find("classes")->output().row_width(), 3);
  // Without a backend the config means auto: the engine chosen is what the model says it runs.
  EXPECT_EQ(repository.find("classes")->config.backend, "trees");
  EXPECT_EQ(repository.find("classes")->backend_choice,
            "trees: the native engine supports this model");
  EXPECT_EQ(repository.find("reg")->config.backend, "xgboost");  // named: no choice made
  EXPECT_EQ(repository.find("reg")->backend_choice, "");
  EXPECT_EQ(repository.find("missing"), nullptr);
}

TEST(Repository, BadModelStopsTheLoadNamingTheFile) {
  test::TempDir dir;
  copy_model(dir, "good", "regression");
  dir.write("good/config.yaml", "backend: xgboost\n");
  dir.write("bad/config.yaml", "backend: xgboost\n");
  dir.write("bad/model.json", "not json at all");
  ModelRepository repository;
  const auto status = repository.load_directory(dir.path().string(), {1});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find(dir.file("bad/config.yaml")), std::string::npos)
      << status.error().message;
}

TEST(Repository, MissingArtifactAndUnknownBackend) {
  test::TempDir dir;
  dir.write("a/config.yaml", "backend: xgboost\n");
  ModelRepository first;
  auto status = first.load_directory(dir.path().string());
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("does not exist"), std::string::npos);

  test::TempDir other;
  copy_model(other, "b", "regression");
  other.write("b/config.yaml", "backend: tensorflow\n");
  ModelRepository second;
  status = second.load_directory(other.path().string());
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("unknown backend 'tensorflow'"), std::string::npos);
}

TEST(Repository, EmptyOrMissingFolderIsAnError) {
  test::TempDir dir;
  ModelRepository repository;
  EXPECT_FALSE(repository.load_directory(dir.path().string()));
  EXPECT_FALSE(repository.load_directory(dir.file("nope")));
}

TEST(Repository, ADamagedModelFileIsNamedOnceWithWhereItBreaks) {
  test::TempDir dir;
  dir.write("typo.json", "{\"learner\": {\"a\": 1,\n \"b\": 2 \"c\"}}");
  ModelRepository repository;
  const auto status = repository.add_artifact(dir.file("typo.json"), "xgboost", {1});
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            dir.file("typo.json") +
                ": damaged XGBoost model: not valid JSON (line 2, column 9: "
                "expected ',' or '}' after an object member)");
  const auto trees = ModelRepository().add_artifact(dir.file("typo.json"), "trees", {1});
  ASSERT_FALSE(trees);
  EXPECT_EQ(
      trees.error().message.rfind(dir.file("typo.json") + ": not valid JSON (line 2, column 9", 0),
      0U)
      << trees.error().message;
}

TEST(Repository, OneModelsFolderGivenAsARepositorySaysToUseModel) {
  test::TempDir dir;
  copy_model(dir, "reg", "regression");
  dir.write("reg/config.yaml", "backend: xgboost\n");
  ModelRepository repository;
  const auto status = repository.load_directory(dir.file("reg"));
  ASSERT_FALSE(status);
  EXPECT_EQ(status.error().message,
            dir.file("reg") +
                " is one model's folder, not a repository of model folders: serve "
                "it with --model " +
                dir.file("reg") + ", or give --models its parent folder");
}

TEST(Repository, AddArtifactInfersNameAndConfig) {
  test::TempDir dir;
  fs::copy_file(test::test_model("binary").path, dir.path() / "churn.json");
  copy_model(dir, "scorer", "regression");
  ModelRepository repository;
  ASSERT_TRUE(repository.add_artifact(dir.file("churn.json"), "xgboost", {1}));
  ASSERT_TRUE(repository.add_artifact(dir.file("scorer/model.json"), "xgboost", {1}));
  ASSERT_TRUE(repository.add_artifact("renamed=" + dir.file("scorer"), "xgboost", {1}));
  const Model* churn = repository.find("churn");
  ASSERT_NE(churn, nullptr);
  EXPECT_EQ(churn->output().name, "probability");
  EXPECT_EQ(churn->input().row_width(), 6);
  EXPECT_NE(repository.find("scorer"), nullptr);
  EXPECT_NE(repository.find("renamed"), nullptr);
  const auto duplicate = repository.add_artifact(dir.file("churn.json"), "xgboost", {1});
  ASSERT_FALSE(duplicate);
  EXPECT_NE(duplicate.error().message.find("already loaded"), std::string::npos);
  EXPECT_FALSE(repository.add_artifact(dir.file("absent.json"), "xgboost", {1}));
  EXPECT_FALSE(repository.add_artifact("bad name=" + dir.file("churn.json"), "xgboost", {1}));
}

TEST(Repository, JsonUpstreamsAreKeptApartFromModels) {
  test::TempDir dir;
  copy_model(dir, "reg", "regression");
  dir.write("reg/config.yaml", "backend: xgboost\n");
  dir.write("api/config.yaml", "backend: http\nurl: http://127.0.0.1:9\nprotocol: json\n");
  ModelRepository repository;
  ASSERT_TRUE(repository.load_directory(dir.path().string(), {1}));
  EXPECT_EQ(repository.models().size(), 1U);
  ASSERT_EQ(repository.apis().size(), 1U);
  EXPECT_EQ(repository.apis()[0]->config.name, "api");
  EXPECT_EQ(repository.apis()[0]->fingerprint.size(), 16U);
  EXPECT_EQ(repository.find("api"), nullptr);  // not a model with tensors
  // Names are shared between both kinds.
  const auto twice = repository.add_upstream("reg=http://127.0.0.1:9", "json");
  ASSERT_FALSE(twice);
  EXPECT_NE(twice.error().message.find("already loaded"), std::string::npos);
  // Two upstreams at one mount cannot both answer.
  const auto same_mount = repository.add_upstream("other=http://127.0.0.1:10", "json");
  ASSERT_FALSE(same_mount);
  EXPECT_NE(same_mount.error().message.find("both mounted at '/'"), std::string::npos)
      << same_mount.error().message;
}

struct RefusedApi {
  std::string yaml;      // config.yaml lines after the upstream's
  std::string expected;  // a piece of the error message
};

void PrintTo(const RefusedApi& value, std::ostream* out) { *out << value.expected; }

class RefusedJsonUpstream : public ::testing::TestWithParam<RefusedApi> {};

TEST_P(RefusedJsonUpstream, SaysWhatAJsonUpstreamCannotDo) {
  test::TempDir dir;
  dir.write("api/config.yaml",
            "backend: http\nurl: http://127.0.0.1:9\nprotocol: json\n" + GetParam().yaml);
  ModelRepository repository;
  const auto status = repository.load_directory(dir.path().string(), {1});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find(GetParam().expected), std::string::npos)
      << status.error().message;
  EXPECT_NE(status.error().message.find(dir.file("api/config.yaml")), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RefusedJsonUpstream,
    ::testing::Values(RefusedApi{"batching: {max_batch_size: 8}\n", "cannot batch"},
                      RefusedApi{"inputs: [{name: x, shape: [-1, 2]}]\n", "no inputs or outputs"},
                      RefusedApi{"warmup: {rows: [[1, 2]]}\n", "warmup rows are tensors"}));

}  // namespace
}  // namespace hone::model
