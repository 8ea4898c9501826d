// A model folder of a repository as it is on disk now: its config.yaml, and the versions its
// version_policy serves (numbered sub-folders, each holding the artifact; or the folder itself,
// one version). Read at start-up and again whenever the model lifecycle looks for changes.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "model/model_config.h"

namespace hone::model {

// One config per served version, in serving order (the last is the default version), each naming
// its version and its artifact. Fails for a broken config.yaml, or when the policy selects none of
// the folder's versions.
Result<std::vector<ModelConfig>> read_model_folder(const std::string& dir);

// Every model folder (a sub-folder with a config.yaml) of a repository, read as above, in folder
// order. Fails for a folder that is not a repository, for the first broken model folder, and for
// two folders naming the same model.
Result<std::vector<ModelConfig>> read_repository(const std::string& dir);

// What a version's files look like now (their sizes and modification times): equal stamps mean
// nothing to reload.
std::string files_stamp(const ModelConfig& config);

}  // namespace hone::model
