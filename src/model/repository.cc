#include "model/repository.h"

#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <iterator>

#include "model/model_folder.h"
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

std::string upstream_fingerprint(const UpstreamSettings& upstream) {
  return text_fingerprint(upstream.url + " " + upstream.protocol);
}

}  // namespace

std::string artifact_fingerprint(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  return text_fingerprint(
      std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>()));
}

// (Status and an out-parameter: g++ 12 warns falsely on a Result holding a unique_ptr.)
Status ModelRepository::load_model(ModelConfig config, const BackendOptions& options, Loaded& out) {
  if (!valid_model_name(config.name)) {
    return fail(config.source + ": model name '" + config.name +
                "' may only hold letters, digits, '-', '_' and '.'");
  }
  if (config.backend == kUpstreamBackend && config.upstream.protocol == "json") {
    return load_api(std::move(config), out);
  }
  const bool upstream = config.backend == kUpstreamBackend;
  std::error_code ignored;
  if (!upstream && !fs::is_regular_file(config.artifact, ignored)) {
    return fail(config.source + ": model file '" + config.artifact + "' does not exist");
  }
  std::string choice;
  auto backend = upstream ? create_upstream_backend(config)
                          : create_backend(config.backend, config.artifact, options, &choice);
  if (!backend) {
    if (upstream) return backend.error();  // it names the config
    // Backends name the artifact; a config file beside it is named too, the artifact not twice.
    if (config.source == config.artifact) return backend.error();
    return fail(config.source + ": " + backend.error().message);
  }
  if (!choice.empty()) config.backend = (*backend)->info().backend;  // auto: the engine chosen
  if (auto s = reconcile(config, (*backend)->info()); !s) return s;
  auto model = std::make_shared<Model>();
  model->backend_choice = std::move(choice);
  // An upstream's answers are keyed by where it is and how it is asked.
  model->fingerprint =
      upstream ? upstream_fingerprint(config.upstream) : artifact_fingerprint(config.artifact);
  model->config = std::move(config);
  model->backend = std::move(*backend);
  out.model = std::move(model);
  return {};
}

// A json API has no tensors to check: what it cannot do is refused here, by name.
Status ModelRepository::load_api(ModelConfig config, Loaded& out) {
  const std::string where = config.source + ": ";
  if (auto s = check_upstream_url(config.upstream.url); !s) return fail(where + s.error().message);
  if (!config.inputs.empty() || !config.outputs.empty()) {
    return fail(where + "a json upstream has no inputs or outputs: its requests are forwarded " +
                "as they are");
  }
  if (config.batching.enabled) {
    return fail(where + "a json upstream cannot batch (its requests are forwarded as they are); " +
                "batching needs protocol v2 or v1");
  }
  if (!config.warmup.rows.empty()) {
    return fail(where + "warmup rows are tensors: a json upstream has none (its readiness " +
                "follows its health path)");
  }
  auto api = std::make_unique<Api>();
  api->fingerprint = upstream_fingerprint(config.upstream);
  api->config = std::move(config);
  out.api = std::move(api);
  return {};
}

Status ModelRepository::load(ModelConfig config, const BackendOptions& options,
                             std::shared_ptr<Model>& out) {
  if (config.backend == kUpstreamBackend && config.upstream.protocol == "json") {
    return fail(config.source + ": a json upstream is not a model: it is served from start-up");
  }
  Loaded loaded;
  if (auto s = load_model(std::move(config), options, loaded); !s) return s;
  out = std::move(loaded.model);
  return {};
}

Status ModelRepository::insert(Loaded loaded) {
  const ModelConfig& config = loaded.model ? loaded.model->config : loaded.api->config;
  if (loaded.model) {
    // Versions of one model come in serving order; a model added twice is refused.
    const auto it = models_.find(config.name);
    if (it != models_.end() && version_before(it->second.back()->config.version, config.version) &&
        it->second.back()->config.source == config.source) {
      it->second.push_back(std::move(loaded.model));
      return {};
    }
  }
  if (taken(config.name)) {
    return fail(config.source + ": a model named '" + config.name + "' is already loaded");
  }
  if (loaded.api) {
    const std::string& mount = loaded.api->config.upstream.mount;
    for (const auto& [name, api] : apis_) {
      if (api->config.upstream.mount == mount) {
        return fail(config.source + ": upstreams '" + name + "' and '" + config.name +
                    "' are both mounted at '" + (mount.empty() ? "/" : mount) +
                    "': give one a mount: /PREFIX in its config.yaml");
      }
    }
    apis_.emplace(config.name, std::move(loaded.api));
  } else {
    models_[config.name].push_back(std::move(loaded.model));
  }
  return {};
}

Status ModelRepository::add(ModelConfig config, const BackendOptions& options) {
  if (taken(config.name)) {
    return fail(config.source + ": a model named '" + config.name + "' is already loaded");
  }
  Loaded model;
  if (auto s = load_model(std::move(config), options, model); !s) return s;
  return insert(std::move(model));
}

Status ModelRepository::load_directory(const std::string& dir, const BackendOptions& options) {
  auto configs = read_repository(dir);
  if (!configs) return configs.error();
  return load_all(std::move(*configs), options);
}

Status ModelRepository::load_all(std::vector<ModelConfig> configs, const BackendOptions& options) {
  // Artifacts are parsed in parallel (libxgboost takes ~10 ms per model); they are added in
  // order, so the first bad model is the one reported.
  std::vector<Loaded> loaded(configs.size());
  std::vector<std::future<Status>> loading;
  for (std::size_t i = 0; i < configs.size(); ++i) {
    loading.push_back(
        std::async(std::launch::async, [config = std::move(configs[i]), &model = loaded[i],
                                        options] { return load_model(config, options, model); }));
  }
  std::vector<Status> statuses;
  for (auto& future : loading) statuses.push_back(future.get());
  for (std::size_t i = 0; i < loaded.size(); ++i) {
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
      auto versions = read_model_folder(path);
      if (!versions) return versions.error();
      for (auto& config : *versions) {
        if (!name.empty()) config.name = name;
        if (taken(config.name)) {
          return fail(config.source + ": a model named '" + config.name + "' is already loaded");
        }
      }
      return load_all(std::move(*versions), options);
    }
    if (name.empty()) name = fs::path(path).lexically_normal().filename().string();
    path = default_artifact(path);
  } else if (!fs::exists(path, error)) {
    return fail(path + ": no such model file or folder");
  }
  if (name.empty()) name = name_for_artifact(path);
  ModelConfig config = config_for_artifact(name, path, backend);
  config.batching = defaults.batching;
  config.cache = defaults.cache;
  return add(std::move(config), options);
}

const Model* ModelRepository::find(std::string_view name) const {
  const auto it = models_.find(name);
  return it == models_.end() ? nullptr : it->second.back().get();
}

const Model* ModelRepository::find(std::string_view name, std::string_view version) const {
  const auto it = models_.find(name);
  if (it == models_.end()) return nullptr;
  for (const auto& model : it->second) {
    if (model->config.version == version) return model.get();
  }
  return nullptr;
}

std::vector<std::shared_ptr<const Model>> ModelRepository::models() const {
  std::vector<std::shared_ptr<const Model>> out;
  for (const auto& [name, versions] : models_)
    out.insert(out.end(), versions.begin(), versions.end());
  return out;
}

std::vector<const Api*> ModelRepository::apis() const {
  std::vector<const Api*> out;
  for (const auto& [name, api] : apis_) out.push_back(api.get());
  return out;
}

}  // namespace hone::model
