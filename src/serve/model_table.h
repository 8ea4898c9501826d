// The models a server answers for at this moment: an immutable snapshot (model name -> its loaded
// versions' pipelines) that a request takes once and holds until it has its pipeline, replaced
// whole when a model loads or unloads. A pipeline outlives the snapshots that named it for as long
// as requests hold it (see ModelPipeline); the model lifecycle stops and frees it after that.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "serve/pipeline.h"

namespace hone::serve {

// A model's loaded versions in serving order; the last is its default version.
using LoadedVersions = std::vector<std::shared_ptr<ModelPipeline>>;
using ModelSnapshot = std::map<std::string, LoadedVersions, std::less<>>;

class ModelTable {
 public:
  // Any thread.
  std::shared_ptr<const ModelSnapshot> current() const {
    const std::lock_guard lock(mutex_);
    return current_;
  }
  // The model lifecycle's thread (and start-up).
  void publish(std::shared_ptr<const ModelSnapshot> next) {
    const std::lock_guard lock(mutex_);
    current_ = std::move(next);
  }

 private:
  mutable std::mutex mutex_;
  std::shared_ptr<const ModelSnapshot> current_ = std::make_shared<ModelSnapshot>();
};

// The version of `name` a request names (`version` empty: the default one), or null.
std::shared_ptr<ModelPipeline> find_pipeline(const ModelSnapshot& snapshot, std::string_view name,
                                             std::string_view version);

}  // namespace hone::serve
