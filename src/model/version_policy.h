// Which versions of a model are served at once, as Triton's version_policy says: the latest N
// (default: 1), all of them, or specific ones. A model folder holds its versions in numbered
// sub-folders (fraud/1/model.json, fraud/2/model.json); a folder without them is one version.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"

namespace hone::model {

struct VersionPolicy {
  enum class Kind { kLatest, kAll, kSpecific };
  Kind kind = Kind::kLatest;
  std::size_t latest = 1;             // kLatest: how many of the highest versions
  std::vector<std::string> specific;  // kSpecific: these, when the folder holds them

  bool operator==(const VersionPolicy&) const = default;
};

// Versions in serving order: numbers by value, before any other names (by name); the last one is
// a model's default version (the one served when a request names none).
bool version_before(const std::string& a, const std::string& b);

// Whether `name` is a version folder's name: decimal digits, no leading zero.
bool is_version_number(const std::string& name);

// The versions of `available` the policy serves, in serving order.
std::vector<std::string> select_versions(const VersionPolicy& policy,
                                         std::vector<std::string> available);

// "latest 1", "all", "specific 1, 3": for messages and the index.
std::string describe(const VersionPolicy& policy);

}  // namespace hone::model
