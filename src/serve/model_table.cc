#include "serve/model_table.h"

namespace hone::serve {

std::shared_ptr<ModelPipeline> find_pipeline(const ModelSnapshot& snapshot, std::string_view name,
                                             std::string_view version) {
  const auto it = snapshot.find(name);
  if (it == snapshot.end() || it->second.empty()) return nullptr;
  if (version.empty()) return it->second.back();
  for (const auto& pipeline : it->second) {
    if (pipeline->model().config.version == version) return pipeline;
  }
  return nullptr;
}

}  // namespace hone::serve
