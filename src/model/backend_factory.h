// Creates a Backend by name ("xgboost", ...) for an artifact file.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/backend.h"

namespace hone::model {

struct BackendOptions {
  int pool_size = 0;  // concurrent predictions a backend prepares for; 0 = number of cores
};

std::vector<std::string> backend_names();

Result<std::unique_ptr<Backend>> create_backend(const std::string& backend,
                                                const std::string& artifact,
                                                const BackendOptions& options = {});

}  // namespace hone::model
