#include "model/model_config.h"

#include <yaml-cpp/yaml.h>

#include <cctype>
#include <filesystem>
#include <string_view>

#include "core/strings.h"
#include "core/yaml_reader.h"
#include "model/serving_settings.h"
#include "model/upstream/upstream_backend.h"

namespace hone::model {
namespace fs = std::filesystem;
namespace {

TensorSpec parse_tensor(const YAML::Node& node, const std::string& file, const std::string& what) {
  YamlMap map(node, file, what);
  TensorSpec spec;
  spec.name = map.required_string("name");
  const std::string type = map.string("datatype").value_or("FP32");
  const auto datatype = parse_datatype(type);
  if (!datatype) {
    map.error_at(map.node("datatype"),
                 "unknown datatype '" + type + "' (expected BOOL, INT32, INT64, FP32 or FP64)");
  }
  spec.datatype = *datatype;
  spec.shape = map.integers("shape").value_or(std::vector<std::int64_t>{});
  if (!spec.shape.empty() && spec.shape.size() != 2) {
    map.error_at(map.node("shape"), what + " shape must be [-1, width] (rows by values)");
  }
  if (!spec.shape.empty() && (spec.shape[0] != -1 || spec.shape[1] <= 0)) {
    map.error_at(map.node("shape"),
                 what + " shape must be [-1, width] with a variable batch and a positive width");
  }
  spec.feature_names = map.strings("feature_names").value_or(std::vector<std::string>{});
  map.finish();
  return spec;
}

std::vector<TensorSpec> parse_tensors(YamlMap& map, const std::string& key) {
  std::vector<TensorSpec> out;
  const YAML::Node list = map.node(key);
  if (!list.IsDefined()) return out;
  if (!list.IsSequence()) map.error_at(list, "'" + key + "' must be a list");
  for (const auto& item : list) {
    out.push_back(parse_tensor(item, map.file(), key.substr(0, key.size() - 1)));
  }
  return out;
}

}  // namespace

bool valid_model_name(const std::string& name) {
  if (name.empty() || name.size() > 128 || name.front() == '.') return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.';
    if (!ok) return false;
  }
  return true;
}

namespace {

// An RFC 9110 token: a header's name, a method.
bool valid_header_name(const std::string& name) {
  if (name.empty()) return false;
  for (const char c : name) {
    const bool ok = std::isalnum(static_cast<unsigned char>(c)) != 0 ||
                    std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// "/" or "/a/b": a path prefix without a trailing '/', query or pattern characters.
Status check_mount(const std::string& mount) {
  if (mount == "/") return {};
  if (mount.empty() || mount.front() != '/' || mount.back() == '/' ||
      mount.find_first_of("?#*% ") != std::string::npos || mount.find("//") != std::string::npos) {
    return fail("mount '" + mount + "' must be a path like /fraud (no trailing '/', query or '*')");
  }
  return {};
}

// mount, key_headers and routes: what only a protocol-json upstream has.
void read_api_settings(YamlMap& map, UpstreamSettings& upstream) {
  const bool json = upstream.protocol == "json";
  for (const char* key : {"mount", "key_headers", "routes"}) {
    if (map.has(key) && !json) {
      map.error_at(map.node(key), std::string("'") + key + "' is for protocol json upstreams");
    }
  }
  if (auto mount = map.string("mount")) {
    if (auto s = check_mount(*mount); !s) map.error_at(map.node("mount"), s.error().message);
    upstream.mount = *mount == "/" ? "" : *mount;
  }
  if (auto headers = map.strings("key_headers")) {
    for (const auto& name : *headers) {
      if (!valid_header_name(name)) {
        map.error_at(map.node("key_headers"), "'" + name + "' is not a header name");
      }
    }
    upstream.key_headers = *headers;
  }
  const YAML::Node routes = map.node("routes");
  if (!routes.IsDefined()) return;
  if (!routes.IsSequence()) map.error_at(routes, "'routes' must be a list");
  for (const auto& item : routes) {
    YamlMap rule(item, map.file(), "route");
    ApiRoute route;
    route.method = rule.string("method").value_or("");
    route.path = rule.required_string("path");
    route.action = rule.required_string("action");
    rule.finish();
    if (!route.method.empty() && !valid_header_name(route.method)) {
      rule.error_at(item, "method '" + route.method + "' is not an HTTP method");
    }
    if (route.path.empty() || route.path.front() != '/') {
      rule.error_at(item, "path '" + route.path + "' must start with '/'");
    }
    if (route.action != "predict" && route.action != "proxy" && route.action != "refuse") {
      rule.error_at(item, "action '" + route.action + "': expected predict, proxy or refuse");
    }
    upstream.routes.push_back(std::move(route));
  }
}

void read_upstream(YamlMap& map, UpstreamSettings& upstream) {
  upstream.url = map.required_string("url");
  if (auto s = check_upstream_url(upstream.url); !s)
    map.error_at(map.node("url"), s.error().message);
  if (auto protocol = map.string("protocol")) {
    if (*protocol != "v2" && *protocol != "v1" && *protocol != "json") {
      map.error_at(map.node("protocol"), "protocol '" + *protocol + "': expected v2, v1 or json");
    }
    upstream.protocol = *protocol;
  }
  if (auto timeout = map.duration_us("timeout")) {
    if (*timeout <= 0) map.error_at(map.node("timeout"), "must be more than 0");
    upstream.timeout_us = *timeout;
  }
  if (auto timeout = map.duration_us("connect_timeout")) {
    if (*timeout <= 0) map.error_at(map.node("connect_timeout"), "must be more than 0");
    upstream.connect_timeout_us = *timeout;
  }
  if (auto connections = map.integer("max_connections")) {
    if (*connections < 1 || *connections > 1024) {
      map.error_at(map.node("max_connections"), "must be between 1 and 1024");
    }
    upstream.max_connections = static_cast<int>(*connections);
  }
  if (auto health = map.string("health")) {
    if (health->empty() || health->front() != '/') {
      map.error_at(map.node("health"), "must be a path starting with '/'");
    }
    upstream.health = *health;
  }
  read_api_settings(map, upstream);
}

}  // namespace

std::string name_for_artifact(const std::string& path) {
  const fs::path file(path);
  std::string name = file.stem().string();
  if (name == "model" && file.has_parent_path()) {
    name = fs::absolute(file).parent_path().filename().string();
  }
  return name;
}

std::string default_artifact(const std::string& dir) {
  for (const char* name : {"model.json", "model.ubj", "model.txt", "model.onnx"}) {
    const fs::path path = fs::path(dir) / name;
    std::error_code error;
    if (fs::is_regular_file(path, error)) return path.lexically_normal().string();
  }
  return (fs::path(dir) / "model.json").lexically_normal().string();
}

Result<ModelConfig> load_model_config(const std::string& dir, const std::string& artifact_dir) {
  const std::string& files = artifact_dir.empty() ? dir : artifact_dir;
  const std::string file = (fs::path(dir) / "config.yaml").string();
  auto root = load_yaml_file(file);
  if (!root) return root.error();
  try {
    YamlMap map(*root, file, "model config");
    ModelConfig config;
    config.source = file;
    config.name = map.string("name").value_or(fs::path(dir).filename().string());
    config.version = map.string("version").value_or("1");
    config.backend = map.string("backend").value_or("auto");
    config.description = map.string("description").value_or("");
    if (config.backend == kUpstreamBackend) {
      read_upstream(map, config.upstream);
    } else {
      const auto artifact = map.string("artifact");
      config.artifact = artifact ? (fs::path(files) / *artifact).lexically_normal().string()
                                 : default_artifact(files);
    }
    if (auto rows = map.integer("max_rows_per_request")) {
      if (*rows < 1) map.error_at(map.node("max_rows_per_request"), "must be at least 1");
      config.max_rows_per_request = static_cast<std::size_t>(*rows);
    }
    config.inputs = parse_tensors(map, "inputs");
    config.outputs = parse_tensors(map, "outputs");
    read_batching(map, config.batching);
    read_cache(map, config.cache);
    read_admission(map, config.admission);
    read_auth(map, config.auth);
    read_warmup(map, config.warmup);
    read_version_policy(map, config.version_policy);
    map.finish();
    if (!valid_model_name(config.name)) {
      return fail(file + ": model name '" + config.name +
                  "' may only hold letters, digits, '-', '_' and '.'");
    }
    if (config.version.empty() || !valid_model_name(config.version)) {
      return fail(file + ": version '" + config.version + "' is not a valid version name");
    }
    return config;
  } catch (const ConfigError& e) {
    return fail(e.what());
  }
}

ModelConfig config_for_artifact(const std::string& name, const std::string& artifact,
                                const std::string& backend) {
  ModelConfig config;
  config.name = name;
  config.artifact = artifact;
  config.backend = backend;
  config.source = artifact;
  return config;
}

Status reconcile(ModelConfig& config, const BackendInfo& info) {
  const std::string where = config.source + ": ";
  if (config.inputs.empty()) {
    TensorSpec input;
    input.name = info.input_name.empty() ? "features" : info.input_name;
    input.shape = {-1, static_cast<std::int64_t>(info.num_features)};
    input.feature_names = info.feature_names;
    input.category_names = info.category_names;
    config.inputs.push_back(std::move(input));
  }
  if (config.outputs.empty()) {
    TensorSpec output;
    output.name = info.output_name.empty() ? "prediction" : info.output_name;
    output.shape = {-1, static_cast<std::int64_t>(info.num_outputs)};
    config.outputs.push_back(std::move(output));
  }
  if (config.inputs.size() != 1 || config.outputs.size() != 1) {
    return fail(where + "backend '" + config.backend +
                "' takes exactly one input and one output tensor");
  }
  TensorSpec& input = config.inputs.front();
  TensorSpec& output = config.outputs.front();
  if (input.shape.empty()) input.shape = {-1, static_cast<std::int64_t>(info.num_features)};
  if (output.shape.empty()) output.shape = {-1, static_cast<std::int64_t>(info.num_outputs)};
  if (input.datatype != DataType::kFp32 || output.datatype != DataType::kFp32) {  // both backends
    return fail(where + "backend '" + config.backend + "' reads and writes FP32 tensors");
  }
  if (input.row_width() != static_cast<std::int64_t>(info.num_features)) {
    return fail(where + "input '" + input.name + "' has width " +
                std::to_string(input.row_width()) + " but the model expects " +
                std::to_string(info.num_features) + " features");
  }
  if (output.row_width() != static_cast<std::int64_t>(info.num_outputs)) {
    return fail(where + "output '" + output.name + "' has width " +
                std::to_string(output.row_width()) + " but the model produces " +
                std::to_string(info.num_outputs) + " values per row");
  }
  if (!info.class_labels.empty()) {
    if (info.class_labels.size() != static_cast<std::size_t>(output.row_width())) {
      return fail(where + "output '" + output.name + "' has width " +
                  std::to_string(output.row_width()) + " but the model has " +
                  std::to_string(info.class_labels.size()) + " classes");
    }
    output.labels = info.class_labels;
    output.integer_labels = info.integer_labels;
  }
  if (input.feature_names.empty()) input.feature_names = info.feature_names;
  if (input.category_names.empty()) input.category_names = info.category_names;
  for (const auto& row : config.warmup.rows) {
    if (row.size() != static_cast<std::size_t>(input.row_width())) {
      return fail(where + "warmup rows must have " + std::to_string(input.row_width()) + " values");
    }
  }
  if (!input.feature_names.empty() &&
      input.feature_names.size() != static_cast<std::size_t>(input.row_width())) {
    return fail(where + "input '" + input.name + "' lists " +
                std::to_string(input.feature_names.size()) + " feature names for " +
                std::to_string(input.row_width()) + " features");
  }
  return {};
}

std::string to_yaml(const ModelConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << config.name;
  out << YAML::Key << "version" << YAML::Value << YAML::DoubleQuoted << config.version;
  out << YAML::Key << "backend" << YAML::Value << config.backend;
  if (config.backend == kUpstreamBackend) {
    const UpstreamSettings& up = config.upstream;
    out << YAML::Key << "url" << YAML::Value << up.url;
    out << YAML::Key << "protocol" << YAML::Value << up.protocol;
    out << YAML::Key << "timeout" << YAML::Value << std::to_string(up.timeout_us / 1000) + "ms";
    out << YAML::Key << "connect_timeout" << YAML::Value
        << std::to_string(up.connect_timeout_us / 1000) + "ms";
    out << YAML::Key << "max_connections" << YAML::Value << up.max_connections;
    if (!up.health.empty()) out << YAML::Key << "health" << YAML::Value << up.health;
    if (!up.mount.empty()) out << YAML::Key << "mount" << YAML::Value << up.mount;
    if (up.protocol == "json") {
      out << YAML::Key << "key_headers" << YAML::Value << YAML::Flow << up.key_headers;
    }
    if (!up.routes.empty()) {
      out << YAML::Key << "routes" << YAML::Value << YAML::BeginSeq;
      for (const ApiRoute& route : up.routes) {
        out << YAML::Flow << YAML::BeginMap;
        if (!route.method.empty()) out << YAML::Key << "method" << YAML::Value << route.method;
        out << YAML::Key << "path" << YAML::Value << route.path;
        out << YAML::Key << "action" << YAML::Value << route.action;
        out << YAML::EndMap;
      }
      out << YAML::EndSeq;
    }
  } else {
    out << YAML::Key << "artifact" << YAML::Value << fs::path(config.artifact).filename().string();
  }
  if (!config.description.empty()) {
    out << YAML::Key << "description" << YAML::Value << config.description;
  }
  out << YAML::Key << "max_rows_per_request" << YAML::Value << config.max_rows_per_request;
  const auto emit = [&out](const char* key, const std::vector<TensorSpec>& tensors) {
    out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
    for (const auto& tensor : tensors) {
      out << YAML::BeginMap;
      out << YAML::Key << "name" << YAML::Value << tensor.name;
      out << YAML::Key << "datatype" << YAML::Value << std::string(datatype_name(tensor.datatype));
      out << YAML::Key << "shape" << YAML::Value << YAML::Flow << tensor.shape;
      if (!tensor.feature_names.empty()) {
        out << YAML::Key << "feature_names" << YAML::Value << YAML::Flow << tensor.feature_names;
      }
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  };
  emit("inputs", config.inputs);
  emit("outputs", config.outputs);
  emit_serving_settings(out, config);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace hone::model
