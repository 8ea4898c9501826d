#include "serve/model_catalog.h"

#include <filesystem>

#include "model/model_folder.h"

namespace hone::serve {
namespace fs = std::filesystem;

void ModelCatalog::add_fixed(const std::string& name, std::vector<model::ModelConfig> versions) {
  const std::lock_guard lock(mutex_);
  fixed_[name] = std::move(versions);
}

Status ModelCatalog::rescan(std::vector<std::string>* unreadable) {
  if (repository_.empty()) return {};
  std::map<std::string, std::string> found;
  std::map<std::string, std::string> before;
  {
    const std::lock_guard lock(mutex_);
    before = folders_;
  }
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(repository_, error)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / "config.yaml")) continue;
    auto config = model::load_model_config(entry.path().string());
    if (!config) {
      if (unreadable != nullptr) unreadable->push_back(config.error().message);
      // A model whose config.yaml stops reading keeps its name and folder: an edit gone wrong
      // is not a removal (its load fails, and what it serves stays).
      for (const auto& [name, folder] : before) {
        if (folder == entry.path().string()) found.emplace(name, folder);
      }
      continue;
    }
    // A json upstream is no model: it is served from start-up as it is (serve/api_pipeline.h).
    if (config->backend == model::kUpstreamBackend && config->upstream.protocol == "json") continue;
    if (const auto [it, added] = found.emplace(config->name, entry.path().string()); !added) {
      if (unreadable != nullptr) {
        unreadable->push_back(entry.path().string() + " names model '" + config->name + "' as " +
                              it->second + " does; left out");
      }
    }
  }
  if (error) return fail(repository_ + ": " + error.message());
  const std::lock_guard lock(mutex_);
  folders_ = std::move(found);
  return {};
}

bool ModelCatalog::has(const std::string& name) const {
  const std::lock_guard lock(mutex_);
  return folders_.count(name) != 0 || fixed_.count(name) != 0;
}

std::set<std::string> ModelCatalog::names() const {
  const std::lock_guard lock(mutex_);
  std::set<std::string> out;
  for (const auto& [name, folder] : folders_) out.insert(name);
  for (const auto& [name, configs] : fixed_) out.insert(name);
  return out;
}

Result<std::vector<model::ModelConfig>> ModelCatalog::versions(const std::string& name) const {
  std::string folder;
  {
    const std::lock_guard lock(mutex_);
    if (const auto it = folders_.find(name); it != folders_.end()) {
      folder = it->second;
    } else if (const auto fixed = fixed_.find(name); fixed != fixed_.end()) {
      return fixed->second;
    } else {
      return fail("no model '" + name + "' in the repository" +
                      (repository_.empty() ? std::string() : " " + repository_),
                  404);
    }
  }
  auto configs = model::read_model_folder(folder);
  if (!configs) return configs.error();
  for (const auto& config : *configs) {
    if (config.name != name) {
      return fail(
          config.source + ": the folder now names model '" + config.name + "', not '" + name + "'",
          400);
    }
  }
  return configs;
}

}  // namespace hone::serve
