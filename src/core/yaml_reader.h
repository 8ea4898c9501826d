// Strict reading of YAML configuration files with errors that name the file, line and column.
// Readers throw ConfigError (config parsing happens only at start-up, where DESIGN allows
// exceptions); load_yaml_file() and the area-specific loaders turn it into a Result for callers.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/result.h"

namespace hone {

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses a YAML file; syntax errors become "FILE:LINE:COL: reason".
Result<YAML::Node> load_yaml_file(const std::string& path);
Result<YAML::Node> parse_yaml(const std::string& text, const std::string& name);

// "FILE:LINE:COL" for a node (1-based), or just FILE when the node has no mark.
std::string yaml_location(const std::string& file, const YAML::Node& node);

// Reads one YAML mapping, remembering which keys were read; finish() rejects the rest, so a
// misspelt key is an error instead of a silently ignored setting.
class YamlMap {
 public:
  YamlMap(YAML::Node node, std::string file, std::string what);

  bool has(const std::string& key) const;
  YAML::Node node(const std::string& key);  // marks the key as read; may be undefined
  std::optional<std::string> string(const std::string& key);
  std::optional<std::int64_t> integer(const std::string& key);
  std::optional<double> number(const std::string& key);
  std::optional<bool> boolean(const std::string& key);
  std::optional<std::vector<std::string>> strings(const std::string& key);
  std::optional<std::vector<std::int64_t>> integers(const std::string& key);
  // Durations ("500ms") in microseconds and sizes ("1MiB") in bytes.
  std::optional<std::int64_t> duration_us(const std::string& key);
  std::optional<std::uint64_t> bytes(const std::string& key);

  // Throws for a required key that is missing.
  std::string required_string(const std::string& key);

  void finish() const;  // throws ConfigError naming the first unknown key

  [[noreturn]] void error_at(const YAML::Node& at, const std::string& message) const;
  const std::string& file() const { return file_; }

 private:
  YAML::Node scalar(const std::string& key, const char* expected);

  YAML::Node node_;
  std::string file_;
  std::string what_;
  std::set<std::string> read_;
};

}  // namespace hone
