#include "model/model_folder.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "core/strings.h"

namespace hone::model {
namespace fs = std::filesystem;

namespace {

std::vector<std::string> version_folders(const std::string& dir) {
  std::vector<std::string> versions;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (is_version_number(name) && entry.is_directory(error)) versions.push_back(name);
  }
  return versions;
}

std::string stamp_of(const std::string& path) {
  std::error_code error;
  const auto size = fs::file_size(path, error);
  if (error) return path + ":missing";
  const auto time = fs::last_write_time(path, error);
  return path + ":" + std::to_string(size) + "@" + std::to_string(time.time_since_epoch().count());
}

}  // namespace

Result<std::vector<ModelConfig>> read_model_folder(const std::string& dir) {
  auto base = load_model_config(dir);
  if (!base) return base.error();
  const std::vector<std::string> numbered =
      base->backend == kUpstreamBackend ? std::vector<std::string>{} : version_folders(dir);
  if (numbered.empty()) {
    if (select_versions(base->version_policy, {base->version}).empty()) {
      return fail(base->source + ": version_policy (" + describe(base->version_policy) +
                  ") selects none of the model's versions (" + base->version + ")");
    }
    return std::vector<ModelConfig>{std::move(*base)};
  }
  if (base->version != ModelConfig{}.version) {
    return fail(base->source + ": 'version: " + base->version +
                "' names the version of a folder without version folders, but this one holds "
                "numbered version folders: remove the key");
  }
  const std::vector<std::string> chosen = select_versions(base->version_policy, numbered);
  if (chosen.empty()) {
    std::vector<std::string> sorted = numbered;
    std::sort(sorted.begin(), sorted.end(), version_before);
    return fail(base->source + ": version_policy (" + describe(base->version_policy) +
                ") selects none of the folder's versions (" + join(sorted, ", ") + ")");
  }
  std::vector<ModelConfig> configs;
  for (const auto& version : chosen) {
    auto config = load_model_config(dir, (fs::path(dir) / version).string());
    if (!config) return config.error();
    config->version = version;
    configs.push_back(std::move(*config));
  }
  return configs;
}

Result<std::vector<ModelConfig>> read_repository(const std::string& dir) {
  std::error_code error;
  if (!fs::is_directory(dir, error)) return fail(dir + ": not a model repository folder");
  std::vector<fs::path> folders;
  for (const auto& entry : fs::directory_iterator(dir, error)) {
    if (entry.is_directory() && fs::exists(entry.path() / "config.yaml")) {
      folders.push_back(entry.path());
    }
  }
  if (error) return fail(dir + ": " + error.message());
  if (folders.empty()) {
    if (fs::exists(fs::path(dir) / "config.yaml")) {
      return fail(dir +
                  " is one model's folder, not a repository of model folders: serve it "
                  "with --model " +
                  dir + ", or give --models its parent folder");
    }
    return fail(dir + ": no model folders (each needs a config.yaml)");
  }
  std::sort(folders.begin(), folders.end());
  std::vector<ModelConfig> configs;
  std::map<std::string, std::string> sources;  // model name -> its config.yaml
  for (const auto& folder : folders) {
    auto versions = read_model_folder(folder.string());
    if (!versions) return versions.error();
    const ModelConfig& first = versions->front();
    if (const auto [it, added] = sources.emplace(first.name, first.source); !added) {
      return fail(first.source + ": a model named '" + first.name + "' is already loaded (" +
                  it->second + ")");
    }
    for (auto& config : *versions) configs.push_back(std::move(config));
  }
  return configs;
}

std::string files_stamp(const ModelConfig& config) {
  std::string stamp = stamp_of(config.source);
  if (config.backend != kUpstreamBackend) stamp += " " + stamp_of(config.artifact);
  return stamp;
}

}  // namespace hone::model
