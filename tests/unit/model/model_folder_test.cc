// Versions of a model folder: numbered sub-folders in serving order, the version_policy that picks
// among them, and the refusals of folders and policies that cannot be served.
#include "model/model_folder.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace hone::model {
namespace {

VersionPolicy latest(std::size_t n) {
  VersionPolicy policy;
  policy.latest = n;
  return policy;
}

TEST(VersionPolicy, NumbersComeInOrderOfValueBeforeOtherNames) {
  EXPECT_TRUE(version_before("2", "10"));
  EXPECT_FALSE(version_before("10", "2"));
  EXPECT_TRUE(version_before("10", "beta"));
  EXPECT_TRUE(version_before("alpha", "beta"));
  EXPECT_TRUE(is_version_number("1"));
  EXPECT_TRUE(is_version_number("20"));
  for (const char* name : {"", "01", "1a", "-1", "v2", "1234567890123456789"}) {
    EXPECT_FALSE(is_version_number(name)) << name;
  }
}

TEST(VersionPolicy, KeepsTheLatestAllOrSpecificVersions) {
  const std::vector<std::string> found = {"10", "2", "1", "3"};
  EXPECT_EQ(select_versions(latest(1), found), (std::vector<std::string>{"10"}));
  EXPECT_EQ(select_versions(latest(2), found), (std::vector<std::string>{"3", "10"}));
  EXPECT_EQ(select_versions(latest(9), found), (std::vector<std::string>{"1", "2", "3", "10"}));
  VersionPolicy all;
  all.kind = VersionPolicy::Kind::kAll;
  EXPECT_EQ(select_versions(all, found), (std::vector<std::string>{"1", "2", "3", "10"}));
  VersionPolicy specific;
  specific.kind = VersionPolicy::Kind::kSpecific;
  specific.specific = {"10", "1", "7"};
  EXPECT_EQ(select_versions(specific, found), (std::vector<std::string>{"1", "10"}));
  EXPECT_EQ(describe(specific), "specific 10, 1, 7");
  EXPECT_EQ(describe(latest(2)), "latest 2");
}

TEST(ModelFolder, ReadsTheVersionsItsPolicyKeepsEachWithItsArtifact) {
  test::TempDir dir;
  dir.write("m/config.yaml", "version_policy: {latest: 2}\nartifact: weights.json\n");
  for (const char* version : {"1", "2", "10"}) {
    dir.write(std::string("m/") + version + "/weights.json", "{}");
  }
  dir.write("m/notes/weights.json", "{}");  // not a version: ignored
  auto configs = read_model_folder(dir.file("m"));
  ASSERT_TRUE(configs) << configs.error().message;
  ASSERT_EQ(configs->size(), 2U);
  EXPECT_EQ((*configs)[0].version, "2");
  EXPECT_EQ((*configs)[0].artifact, dir.file("m/2/weights.json"));
  EXPECT_EQ((*configs)[1].version, "10");
  EXPECT_EQ((*configs)[1].artifact, dir.file("m/10/weights.json"));
  EXPECT_EQ((*configs)[1].name, "m");
  EXPECT_EQ((*configs)[1].version_policy, latest(2));
}

TEST(ModelFolder, WithoutVersionFoldersTheFolderIsOneVersion) {
  test::TempDir dir;
  dir.write("m/config.yaml", "version: \"4\"\n");
  dir.write("m/model.txt", "tree");
  auto configs = read_model_folder(dir.file("m"));
  ASSERT_TRUE(configs) << configs.error().message;
  ASSERT_EQ(configs->size(), 1U);
  EXPECT_EQ(configs->front().version, "4");
  EXPECT_EQ(configs->front().artifact, dir.file("m/model.txt"));
}

TEST(ModelFolder, RefusesWhatCannotBeServed) {
  test::TempDir dir;
  dir.write("none/config.yaml", "version_policy: {specific: [3]}\n");
  dir.write("none/1/model.json", "{}");
  dir.write("single/config.yaml", "version_policy: {specific: [3]}\n");
  dir.write("both/config.yaml", "version: \"2\"\n");
  dir.write("both/1/model.json", "{}");
  for (const auto& [folder, why] : std::vector<std::pair<std::string, std::string>>{
           {"none", "version_policy (specific 3) selects none of the folder's versions (1)"},
           {"single", "version_policy (specific 3) selects none of the model's versions (1)"},
           {"both", "'version: 2' names the version of a folder without version folders"}}) {
    auto configs = read_model_folder(dir.file(folder));
    ASSERT_FALSE(configs) << folder;
    EXPECT_NE(configs.error().message.find(why), std::string::npos) << configs.error().message;
  }
  for (const auto& [yaml, why] : std::vector<std::pair<std::string, std::string>>{
           {"version_policy: newest", "version_policy must be all, {latest: N}"},
           {"version_policy: {latest: 0}", "latest must be at least 1"},
           {"version_policy: {specific: []}", "specific names no version"},
           {"version_policy: {specific: [v1]}", "'v1' is not a version number"},
           {"version_policy: {latest: 1, specific: [1]}", "version_policy must be all"},
           {"version_policy: {oldest: 1}", "oldest"}}) {
    dir.write("bad/config.yaml", yaml + "\n");
    auto config = load_model_config(dir.file("bad"));
    ASSERT_FALSE(config) << yaml;
    EXPECT_NE(config.error().message.find(why), std::string::npos) << config.error().message;
  }
}

TEST(ModelFolder, APolicyWrittenOutReadsBackTheSame) {
  test::TempDir dir;
  for (const char* yaml : {"version_policy: all", "version_policy: {latest: 3}",
                           "version_policy: {specific: [1, 12]}"}) {
    dir.write("m/config.yaml", std::string(yaml) + "\n");
    auto config = load_model_config(dir.file("m"));
    ASSERT_TRUE(config) << config.error().message;
    dir.write("back/config.yaml", to_yaml(*config));
    auto back = load_model_config(dir.file("back"));
    ASSERT_TRUE(back) << back.error().message;
    EXPECT_EQ(back->version_policy, config->version_policy) << yaml;
    EXPECT_NE(config->version_policy, VersionPolicy{}) << yaml;
  }
}

TEST(ModelFolder, ARepositoryRefusesTwoFoldersNamingOneModel) {
  test::TempDir dir;
  dir.write("a/config.yaml", "name: same\n");
  dir.write("b/config.yaml", "name: same\n");
  auto configs = read_repository(dir.path().string());
  ASSERT_FALSE(configs);
  EXPECT_NE(configs.error().message.find("a model named 'same' is already loaded"),
            std::string::npos)
      << configs.error().message;
}

TEST(ModelFolder, ItsStampChangesWithItsFiles) {
  test::TempDir dir;
  dir.write("m/config.yaml", "name: m\n");
  dir.write("m/model.json", "{}");
  const auto config = load_model_config(dir.file("m")).value();
  const std::string before = files_stamp(config);
  EXPECT_EQ(files_stamp(config), before);
  dir.write("m/model.json", "{ }");
  const std::string artifact_changed = files_stamp(config);
  EXPECT_NE(artifact_changed, before);
  dir.write("m/config.yaml", "name: m\ndescription: new\n");
  EXPECT_NE(files_stamp(config), artifact_changed);
}

}  // namespace
}  // namespace hone::model
