// What a server could serve: every model of the repository folder (--models), found by scanning
// it, and the models given one by one (--model, --upstream) as they were read at start-up. The
// model lifecycle reads a model's versions from here each time it loads the model. Used by the
// lifecycle's thread only, apart from names(), which any thread may call.
#pragma once

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/model_config.h"

namespace hone::serve {

class ModelCatalog {
 public:
  explicit ModelCatalog(std::string repository) : repository_(std::move(repository)) {}

  // A model that is not in the repository folder: its configs are read once, here.
  void add_fixed(const std::string& name, std::vector<model::ModelConfig> versions);
  // Looks at the repository folder again: which folders hold a config.yaml, under which names.
  // A folder whose config.yaml cannot be read is reported; it keeps the name it had (an edit gone
  // wrong is not a removal), and one new to the catalog is left out.
  Status rescan(std::vector<std::string>* unreadable = nullptr);

  bool has(const std::string& name) const;
  std::set<std::string> names() const;
  const std::string& repository() const { return repository_; }
  // The versions its policy serves now, each with its artifact, in serving order.
  Result<std::vector<model::ModelConfig>> versions(const std::string& name) const;

 private:
  std::string repository_;
  mutable std::mutex mutex_;  // guards the maps (names() is read from request threads)
  std::map<std::string, std::string> folders_;  // model name -> its folder
  std::map<std::string, std::vector<model::ModelConfig>> fixed_;
};

}  // namespace hone::serve
