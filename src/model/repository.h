// The set of models a server serves: loaded once at start-up from a repository folder (one
// sub-folder per model) and/or single artifact files, then read-only and shared by all threads.
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

  const Model* find(std::string_view name) const;
  std::vector<const Model*> models() const;
  // The protocol-json upstreams, by name.
  std::vector<const Api*> apis() const;
  bool empty() const { return models_.empty() && apis_.empty(); }

 private:
  struct Loaded {  // one of the two
    std::unique_ptr<Model> model;
    std::unique_ptr<Api> api;
  };
  static Status load_model(ModelConfig config, const BackendOptions& options, Loaded& out);
  static Status load_api(ModelConfig config, Loaded& out);
  Status insert(Loaded loaded);
  bool taken(const std::string& name) const {
    return models_.count(name) != 0 || apis_.count(name) != 0;
  }

  std::map<std::string, std::unique_ptr<Model>, std::less<>> models_;
  std::map<std::string, std::unique_ptr<Api>, std::less<>> apis_;
};

}  // namespace hone::model
