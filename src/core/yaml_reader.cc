#include "core/yaml_reader.h"

#include <fstream>
#include <sstream>

#include "core/strings.h"
#include "core/units.h"

namespace hone {

std::string yaml_location(const std::string& file, const YAML::Node& node) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return file;
  return file + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

Result<YAML::Node> parse_yaml(const std::string& text, const std::string& name) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return fail(name + ":" + std::to_string(e.mark.line + 1) + ":" +
                std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

Result<YAML::Node> load_yaml_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail(path + ": cannot open file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_yaml(text.str(), path);
}

YamlMap::YamlMap(YAML::Node node, std::string file, std::string what)
    : node_(std::move(node)), file_(std::move(file)), what_(std::move(what)) {
  if (!node_.IsMap()) error_at(node_, what_ + " must be a mapping of keys to values");
}

void YamlMap::error_at(const YAML::Node& at, const std::string& message) const {
  throw ConfigError(yaml_location(file_, at.IsDefined() ? at : node_) + ": " + message);
}

bool YamlMap::has(const std::string& key) const { return node_[key].IsDefined(); }

YAML::Node YamlMap::node(const std::string& key) {
  read_.insert(key);
  return node_[key];
}

YAML::Node YamlMap::scalar(const std::string& key, const char* expected) {
  YAML::Node value = node(key);
  if (value.IsDefined() && !value.IsScalar()) {
    error_at(value, "'" + key + "' must be " + expected);
  }
  return value;
}

std::optional<std::string> YamlMap::string(const std::string& key) {
  YAML::Node value = scalar(key, "a string");
  if (!value.IsDefined()) return std::nullopt;
  return value.Scalar();
}

std::optional<std::int64_t> YamlMap::integer(const std::string& key) {
  YAML::Node value = scalar(key, "an integer");
  if (!value.IsDefined()) return std::nullopt;
  try {
    return value.as<std::int64_t>();
  } catch (const YAML::Exception&) {
    error_at(value, "'" + key + "' must be an integer, got '" + value.Scalar() + "'");
  }
}

std::optional<double> YamlMap::number(const std::string& key) {
  YAML::Node value = scalar(key, "a number");
  if (!value.IsDefined()) return std::nullopt;
  try {
    return value.as<double>();
  } catch (const YAML::Exception&) {
    error_at(value, "'" + key + "' must be a number, got '" + value.Scalar() + "'");
  }
}

std::optional<bool> YamlMap::boolean(const std::string& key) {
  YAML::Node value = scalar(key, "true or false");
  if (!value.IsDefined()) return std::nullopt;
  try {
    return value.as<bool>();
  } catch (const YAML::Exception&) {
    error_at(value, "'" + key + "' must be true or false, got '" + value.Scalar() + "'");
  }
}

std::optional<std::vector<std::string>> YamlMap::strings(const std::string& key) {
  YAML::Node value = node(key);
  if (!value.IsDefined()) return std::nullopt;
  if (!value.IsSequence()) error_at(value, "'" + key + "' must be a list of strings");
  std::vector<std::string> out;
  for (const auto& item : value) {
    if (!item.IsScalar()) error_at(item, "'" + key + "' must be a list of strings");
    out.push_back(item.Scalar());
  }
  return out;
}

std::optional<std::vector<std::int64_t>> YamlMap::integers(const std::string& key) {
  YAML::Node value = node(key);
  if (!value.IsDefined()) return std::nullopt;
  if (!value.IsSequence()) error_at(value, "'" + key + "' must be a list of integers");
  std::vector<std::int64_t> out;
  for (const auto& item : value) {
    try {
      out.push_back(item.as<std::int64_t>());
    } catch (const YAML::Exception&) {
      error_at(item, "'" + key + "' must be a list of integers");
    }
  }
  return out;
}

std::optional<std::int64_t> YamlMap::duration_us(const std::string& key) {
  YAML::Node value = scalar(key, "a duration such as 500ms or 30s");
  if (!value.IsDefined()) return std::nullopt;
  auto parsed = parse_duration(value.Scalar());
  if (!parsed) error_at(value, "'" + key + "': " + parsed.error().message);
  return parsed->count();
}

std::optional<std::uint64_t> YamlMap::bytes(const std::string& key) {
  YAML::Node value = scalar(key, "a size such as 1MiB");
  if (!value.IsDefined()) return std::nullopt;
  auto parsed = parse_bytes(value.Scalar());
  if (!parsed) error_at(value, "'" + key + "': " + parsed.error().message);
  return *parsed;
}

std::string YamlMap::required_string(const std::string& key) {
  auto value = string(key);
  if (!value) error_at(node_, what_ + " needs '" + key + "'");
  return *value;
}

void YamlMap::finish() const {
  std::vector<std::string> known(read_.begin(), read_.end());
  for (const auto& entry : node_) {
    const std::string key = entry.first.Scalar();
    if (read_.count(key) == 0) {
      error_at(entry.first, "unknown key '" + key + "' in " + what_ +
                                " (known keys: " + join(known, ", ") + ")");
    }
  }
}

}  // namespace hone
