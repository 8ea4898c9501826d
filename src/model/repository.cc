#include "model/repository.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

#include "model/upstream/upstream_backend.h"

namespace hone::model {
namespace fs = std::filesystem;

namespace {

std::string text_fingerprint(const std::string& bytes) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx",
                static_cast<unsigned long long>(XXH3_64bits(bytes.data(), bytes.size())));
  return hex;
}

}  // namespace

std::string artifact_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return text_fingerprint(
      std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
}

// (Status and an out-parameter: g++ 12 warns falsely on a Result holding a unique_ptr.)
Status ModelRepository::load_model(ModelConfig config, const BackendOptions& options,
                                   LoadedModel& out) {
  if (!valid_model_name(config.name)) {
    return fail(config.source + ": model name '" + config.name +
                "' may only hold letters, digits, '-', '_' and '.'");
  }
  const bool upstream = config.backend == kUpstreamBackend;
  std::error_code ignored;
  if (!upstream && !fs::is_regular_file(config.artifact, ignored)) {
    return fail(config.source + ": model file '" + config.artifact + "' does not exist");
  }
  auto backend = upstream ? create_upstream_backend(config)
                          : create_backend(config.backend, config.artifact, options);
  if (!backend) {
    if (upstream) return backend.error();  // it names the config
    // Backends name the artifact; a config file beside it is named too, the artifact not twice.
    if (config.source == config.artifact) return backend.error();
    return fail(config.source + ": " + backend.error().message);
  }
  if (auto s = reconcile(config, (*backend)->info()); !s) return s;
  out = std::make_unique<Model>();
  // An upstream's answers are keyed by where it is and how it is asked.
  out->fingerprint = upstream
                         ? text_fingerprint(config.upstream.url + " " + config.upstream.protocol)
                         : artifact_fingerprint(config.artifact);
  out->config = std::move(config);
  out->backend = std::move(*backend);
  return {};
}

Status ModelRepository::insert(LoadedModel model) {
  const std::string name = model->config.name;
  if (models_.count(name) != 0) {
    return fail(model->config.source + ": a model named '" + name + "' is already loaded");
  }
  models_.emplace(name, std::move(model));
  return {};
}

Status ModelRepository::add(ModelConfig config, const BackendOptions& options) {
  if (models_.count(config.name) != 0) {
    return fail(config.source + ": a model named '" + config.name + "' is already loaded");
  }
  LoadedModel model;
  if (auto s = load_model(std::move(config), options, model); !s) return s;
  return insert(std::move(model));
}

Status ModelRepository::load_directory(const std::string& dir, const BackendOptions& options) {
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
  // Artifacts are parsed in parallel (libxgboost takes ~10 ms per model); they are added in
  // folder order, so the first bad model is the one reported.
  std::vector<LoadedModel> loaded(folders.size());
  std::vector<std::future<Status>> loading;
  for (std::size_t i = 0; i < folders.size(); ++i) {
    loading.push_back(
        std::async(std::launch::async, [&folder = folders[i], &model = loaded[i], options] {
          auto config = load_model_config(folder.string());
          if (!config) return Status(config.error());
          return load_model(std::move(*config), options, model);
        }));
  }
  std::vector<Status> statuses;
  for (auto& future : loading) statuses.push_back(future.get());
  for (std::size_t i = 0; i < folders.size(); ++i) {
    if (!statuses[i]) return statuses[i];
    if (auto s = insert(std::move(loaded[i])); !s) return s;
  }
  return {};
}

Status ModelRepository::add_upstream(const std::string& spec, const std::string& protocol,
                                     const ServingDefaults& defaults) {
  const auto eq = spec.find('=');
  if (eq == std::string::npos || eq == 0) {
    return fail("--upstream '" + spec + "': give NAME=URL, e.g. fraud=http://127.0.0.1:9000");
  }
  ModelConfig config;
  config.name = spec.substr(0, eq);
  config.backend = kUpstreamBackend;
  config.source = "--upstream " + spec;
  config.upstream.url = spec.substr(eq + 1);
  config.upstream.protocol = protocol;
  config.batching = defaults.batching;
  config.cache = defaults.cache;
  return add(std::move(config), {});
}

Status ModelRepository::add_artifact(const std::string& spec, const std::string& backend,
                                     const BackendOptions& options,
                                     const ServingDefaults& defaults) {
  std::string name;
  std::string path = spec;
  if (const auto eq = spec.find('='); eq != std::string::npos) {
    name = spec.substr(0, eq);
    path = spec.substr(eq + 1);
  }
  std::error_code error;
  if (fs::is_directory(path, error)) {
    if (fs::exists(fs::path(path) / "config.yaml")) {
      auto config = load_model_config(path);
      if (!config) return config.error();
      if (!name.empty()) config->name = name;
      return add(std::move(*config), options);
    }
    if (name.empty()) name = fs::path(path).lexically_normal().filename().string();
    path = (fs::path(path) / "model.json").string();
  } else if (!fs::exists(path, error)) {
    return fail(path + ": no such model file or folder");
  }
  if (name.empty()) {
    const fs::path file(path);
    name = file.stem().string();
    if (name == "model" && file.has_parent_path()) {
      name = fs::absolute(file).parent_path().filename().string();
    }
  }
  ModelConfig config = config_for_artifact(name, path, backend);
  config.batching = defaults.batching;
  config.cache = defaults.cache;
  return add(std::move(config), options);
}

const Model* ModelRepository::find(std::string_view name) const {
  const auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second.get();
}

std::vector<const Model*> ModelRepository::models() const {
  std::vector<const Model*> out;
  for (const auto& [name, model] : models_) out.push_back(model.get());
  return out;
}

}  // namespace hone::model
