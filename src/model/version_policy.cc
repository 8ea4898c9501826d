#include "model/version_policy.h"

#include <algorithm>

#include "core/strings.h"

namespace hone::model {

bool is_version_number(const std::string& name) {
  if (name.empty() || name.size() > 18 || (name.size() > 1 && name.front() == '0')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool version_before(const std::string& a, const std::string& b) {
  const bool a_number = is_version_number(a);
  const bool b_number = is_version_number(b);
  if (a_number != b_number) return a_number;
  // Numbers without leading zeros: the shorter is the smaller.
  if (a_number && a.size() != b.size()) return a.size() < b.size();
  return a < b;
}

std::vector<std::string> select_versions(const VersionPolicy& policy,
                                         std::vector<std::string> available) {
  std::sort(available.begin(), available.end(), version_before);
  available.erase(std::unique(available.begin(), available.end()), available.end());
  switch (policy.kind) {
    case VersionPolicy::Kind::kAll:
      return available;
    case VersionPolicy::Kind::kLatest: {
      const std::size_t keep = std::min(policy.latest, available.size());
      return {available.end() - static_cast<std::ptrdiff_t>(keep), available.end()};
    }
    case VersionPolicy::Kind::kSpecific:
      break;
  }
  std::vector<std::string> chosen;
  for (const auto& version : available) {
    if (std::find(policy.specific.begin(), policy.specific.end(), version) !=
        policy.specific.end()) {
      chosen.push_back(version);
    }
  }
  return chosen;
}

std::string describe(const VersionPolicy& policy) {
  switch (policy.kind) {
    case VersionPolicy::Kind::kAll:
      return "all";
    case VersionPolicy::Kind::kLatest:
      return "latest " + std::to_string(policy.latest);
    case VersionPolicy::Kind::kSpecific:
      break;
  }
  return "specific " + join(policy.specific, ", ");
}

}  // namespace hone::model
