#include "model/backend_factory.h"

#include "core/strings.h"
#include "model/trees/trees_backend.h"
#include "model/xgboost/xgboost_backend.h"

namespace hone::model {

std::vector<std::string> backend_names() { return {"xgboost", "trees"}; }

Result<std::unique_ptr<Backend>> create_backend(const std::string& backend,
                                                const std::string& artifact,
                                                const BackendOptions& options) {
  if (backend == "xgboost") {
    XgboostOptions xgboost;
    xgboost.pool_size = options.pool_size;
    return load_xgboost_backend(artifact, xgboost);
  }
  if (backend == "trees") return load_trees_backend(artifact);
  return fail("unknown backend '" + backend + "' (available: " + join(backend_names(), ", ") + ")");
}

}  // namespace hone::model
