// Parsing and printing of a model config's serving sections: batching, cache, admission and warmup.
#pragma once

#include <yaml-cpp/yaml.h>

#include "core/yaml_reader.h"
#include "model/model_config.h"

namespace hone::model {

// Each reads its section from `parent` when present (throws ConfigError on mistakes).
void read_batching(YamlMap& parent, BatchingSettings& batching);
void read_cache(YamlMap& parent, CacheSettings& cache);
void read_admission(YamlMap& parent, AdmissionSettings& admission);
void read_warmup(YamlMap& parent, WarmupSettings& warmup);
void read_auth(YamlMap& parent, AuthPolicy& auth);  // auth: inherit | required | none
// version_policy: all | {latest: N} | {specific: [1, 3]}
void read_version_policy(YamlMap& parent, VersionPolicy& policy);

void emit_serving_settings(YAML::Emitter& out, const ModelConfig& config);

}  // namespace hone::model
