// The set of models a server starts with: loaded from a repository folder (one sub-folder per
// model, each holding one or several versions) and/or single artifact files, then read-only and
// shared by all threads. The models come and go afterwards through serve/model_lifecycle.h.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "model/backend.h"
#include "model/backend_factory.h"
#include "model/model_config.h"

namespace hone::model {

struct Model {
  ModelConfig config;
  std::unique_ptr<Backend> backend;
  // XXH3-64 of the artifact's bytes, in hex: part of response cache keys, so that a retrained
  // artifact under the same name and version never answers from the old one's cached values
  // (in a Redis shared between deployments, say).
  std::string fingerprint;
  // For backend auto: the engine it chose and why ("trees: the native engine supports this
  // model"); empty when the config named the backend.
  std::string backend_choice;

  const TensorSpec& input() const { return config.inputs.front(); }
  const TensorSpec& output() const { return config.outputs.front(); }
};

// An HTTP API served through hone as it is (backend http, protocol json): no tensors and no
// backend; the server forwards its requests (see serve/api_pipeline.h).
struct Api {
  ModelConfig config;
  std::string fingerprint;  // of where it is and how it is asked: part of its cache keys
};

// The fingerprint of a model file (see Model::fingerprint); empty when it cannot be read.
std::string artifact_fingerprint(const std::string& path);

class ModelRepository {
 public:
  // Loads every sub-folder that holds a config.yaml. Any bad model fails the whole load.
  Status load_directory(const std::string& dir, const BackendOptions& options = {});

  // `spec` is PATH or NAME=PATH; PATH is an artifact file, or a folder with a config.yaml or a
  // model.json. The name defaults to the file's stem, or the folder's name for model.json.
  // Bare artifacts take `defaults` for batching and cache; a folder's config.yaml wins.
  Status add_artifact(const std::string& spec, const std::string& backend,
                      const BackendOptions& options = {}, const ServingDefaults& defaults = {});

  // `spec` is NAME=URL: a model served by another server, asked in `protocol` (v2, v1), or an
  // API forwarded as it is (json).
  Status add_upstream(const std::string& spec, const std::string& protocol,
                      const ServingDefaults& defaults = {});

  Status add(ModelConfig config, const BackendOptions& options);

  // The model `config` describes, loaded (its artifact read, or its upstream set up) and its
  // config reconciled with what the artifact says. A json upstream is refused (it is not a model).
  static Status load(ModelConfig config, const BackendOptions& options,
                     std::shared_ptr<Model>& out);

  // A model's default version (its last in serving order), or one version of it; null if none.
  const Model* find(std::string_view name) const;
  const Model* find(std::string_view name, std::string_view version) const;
  // Every version of every model: by name, then in serving order.
  std::vector<std::shared_ptr<const Model>> models() const;
  // The protocol-json upstreams, by name.
  std::vector<const Api*> apis() const;
  bool empty() const { return models_.empty() && apis_.empty(); }

 private:
  struct Loaded {  // one of the two
    std::shared_ptr<Model> model;
    std::unique_ptr<Api> api;
  };
  static Status load_model(ModelConfig config, const BackendOptions& options, Loaded& out);
  static Status load_api(ModelConfig config, Loaded& out);
  Status insert(Loaded loaded);
  bool taken(const std::string& name) const {
    return models_.count(name) != 0 || apis_.count(name) != 0;
  }

  // Load every version of a model folder's configs (several folders' at once), then add them in
  // order: the first failure is the one reported.
  Status load_all(std::vector<ModelConfig> configs, const BackendOptions& options);

  std::map<std::string, std::vector<std::shared_ptr<Model>>, std::less<>> models_;  // by version
  std::map<std::string, std::unique_ptr<Api>, std::less<>> apis_;
};

}  // namespace hone::model
