// A model's config.yaml: what the server needs to know to serve one model, with defaults for
// everything the artifact can tell by itself. Parsing is strict: unknown keys, bad types and
// inconsistencies with the artifact are errors naming the file (and line, where known).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/backend.h"
#include "model/tensor_spec.h"

namespace hone::model {

struct ModelConfig {
  std::string name;
  std::string version = "1";
  std::string backend = "xgboost";
  std::string artifact;  // path of the model file, resolved against the config's folder
  std::string description;
  std::size_t max_rows_per_request = 1024;
  std::vector<TensorSpec> inputs;   // empty = inferred from the artifact
  std::vector<TensorSpec> outputs;  // empty = inferred from the artifact
  std::string source;               // the config file, or the artifact when inferred
};

// Reads DIR/config.yaml; the name defaults to the folder's name and the artifact to model.json.
Result<ModelConfig> load_model_config(const std::string& dir);

// A config for a bare artifact (`hone serve --model [NAME=]PATH`); inputs and outputs are left
// empty for reconcile() to infer.
ModelConfig config_for_artifact(const std::string& name, const std::string& artifact,
                                const std::string& backend);

// Fills inferred inputs/outputs from what the artifact says, and checks declared ones against it.
Status reconcile(ModelConfig& config, const BackendInfo& info);

// The config as YAML, in the format load_model_config() reads.
std::string to_yaml(const ModelConfig& config);

// Names used in URLs: letters, digits, '-', '_' and '.', not starting with '.'.
bool valid_model_name(const std::string& name);

}  // namespace hone::model
