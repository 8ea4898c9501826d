#include "load/scenario.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/strings.h"
#include "core/yaml_reader.h"
#include "load/presets.h"

namespace hone::load {
namespace {
namespace fs = std::filesystem;

HeaderList read_headers(YamlMap& map, const std::string& key) {
  HeaderList headers;
  const YAML::Node node = map.node(key);
  if (!node.IsDefined()) return headers;
  if (!node.IsMap())
    map.error_at(node, "'" + key + "' must be a mapping of header names to values");
  for (const auto& entry : node) {
    if (!entry.second.IsScalar()) map.error_at(entry.second, "header values must be text");
    headers.emplace_back(entry.first.Scalar(), entry.second.Scalar());
  }
  return headers;
}

std::optional<double> seconds(YamlMap& map, const std::string& key) {
  if (auto us = map.duration_us(key)) return static_cast<double>(*us) / 1e6;
  return std::nullopt;
}

std::vector<int> read_statuses(YamlMap& map) {
  const YAML::Node node = map.node("status");
  std::vector<int> statuses;
  if (!node.IsDefined()) return statuses;
  const auto add = [&](const YAML::Node& item) {
    try {
      const int status = item.as<int>();
      if (status < 100 || status > 999) throw YAML::Exception(item.Mark(), "");
      statuses.push_back(status);
    } catch (const YAML::Exception&) {
      map.error_at(item, "'status' must be an HTTP status code or a list of them");
    }
  };
  if (node.IsSequence()) {
    for (const auto& item : node) add(item);
  } else {
    add(node);
  }
  return statuses;
}

std::string read_text_file(const YamlMap& map, const YAML::Node& at, const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) map.error_at(at, "cannot read '" + file.string() + "'");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

ScenarioEndpoint read_endpoint(const YAML::Node& node, const std::string& file,
                               const fs::path& folder) {
  YamlMap map(node, file, "endpoint");
  ScenarioEndpoint endpoint;
  endpoint.where = yaml_location(file, node);
  endpoint.path = map.required_string("path");
  endpoint.method = to_lower(map.string("method").value_or(""));
  for (char& c : endpoint.method)
    c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  endpoint.name = map.string("name").value_or("");
  if (auto weight = map.number("weight")) {
    if (*weight <= 0) map.error_at(map.node("weight"), "'weight' must be positive");
    endpoint.weight = *weight;
  }
  endpoint.headers = read_headers(map, "headers");
  endpoint.body = map.string("body").value_or("");
  if (auto body_file = map.string("body_file")) {
    if (map.has("body"))
      map.error_at(map.node("body_file"), "give 'body' or 'body_file', not both");
    endpoint.body = read_text_file(map, map.node("body_file"), folder / *body_file);
  }
  const YAML::Node data = map.node("data");
  if (data.IsDefined()) {
    YamlMap data_map(data, file, "data");
    endpoint.data_file = (folder / data_map.required_string("file")).string();
    const std::string order = data_map.string("order").value_or("sequential");
    if (order == "random") {
      endpoint.order = FeedOrder::kRandom;
    } else if (order != "sequential") {
      data_map.error_at(data_map.node("order"), "'order' must be sequential or random");
    }
    data_map.finish();
  }
  const YAML::Node expect = map.node("expect");
  if (expect.IsDefined()) {
    YamlMap expect_map(expect, file, "expect");
    endpoint.expect_status = read_statuses(expect_map);
    endpoint.expect_body = expect_map.string("body_contains").value_or("");
    expect_map.finish();
  }
  map.finish();
  return endpoint;
}

std::vector<Stage> read_stages(YamlMap& map) {
  const YAML::Node node = map.node("stages");
  if (node.IsScalar()) {
    auto stages = parse_stages(node.Scalar());
    if (!stages) map.error_at(node, stages.error().message);
    return *stages;
  }
  if (!node.IsSequence()) map.error_at(node, "'stages' must be \"30s:100,...\" or a list");
  std::vector<Stage> stages;
  for (const auto& item : node) {
    YamlMap stage(item, map.file(), "stage");
    const auto duration = stage.duration_us("duration");
    const auto target = stage.number("target");
    if (!duration || !target || *target < 0) {
      stage.error_at(item, "each stage needs 'duration' and a 'target' >= 0");
    }
    stage.finish();
    stages.push_back({static_cast<double>(*duration) / 1e6, *target});
  }
  return stages;
}

}  // namespace

Result<ScenarioFile> read_scenario(const std::string& path) {
  auto root = load_yaml_file(path);
  if (!root) return root.error();
  try {
    YamlMap map(*root, path, "scenario");
    ScenarioFile scenario;
    scenario.path = path;
    const fs::path folder = fs::path(path).parent_path();
    scenario.base_url = map.string("base_url").value_or("");
    scenario.rate = map.number("rate");
    scenario.concurrency = map.number("concurrency");
    if (map.has("stages")) scenario.stages = read_stages(map);
    scenario.duration_s = seconds(map, "duration");
    scenario.preset = map.string("preset").value_or("");
    if (!scenario.preset.empty() && !preset_profile(scenario.preset)) {
      map.error_at(map.node("preset"), preset_profile(scenario.preset).error().message);
    }
    scenario.scale = map.number("scale");
    scenario.think = map.string("think_time").value_or("");
    scenario.timeout_s = seconds(map, "timeout");
    scenario.threads = static_cast<int>(map.integer("threads").value_or(0));
    scenario.connections = static_cast<int>(map.integer("connections").value_or(0));
    scenario.headers = read_headers(map, "headers");
    scenario.thresholds = map.strings("thresholds").value_or(std::vector<std::string>{});
    scenario.bearer = map.string("bearer").value_or("");
    scenario.metrics_url = map.string("metrics_url").value_or("");
    scenario.metrics_interval_s = seconds(map, "metrics_interval");
    const YAML::Node jwt = map.node("jwt");
    if (jwt.IsDefined()) {
      YamlMap jwt_map(jwt, path, "jwt");
      scenario.jwt_secret = jwt_map.required_string("secret");
      scenario.jwt_claims = jwt_map.string("claims").value_or("");  // a JSON object, as text
      scenario.jwt_expiry_s = seconds(jwt_map, "expiry");
      jwt_map.finish();
    }
    const YAML::Node endpoints = map.node("endpoints");
    if (!endpoints.IsDefined() || !endpoints.IsSequence() || endpoints.size() == 0) {
      map.error_at(endpoints, "the scenario needs a non-empty 'endpoints' list");
    }
    for (const auto& item : endpoints)
      scenario.endpoints.push_back(read_endpoint(item, path, folder));
    map.finish();
    return scenario;
  } catch (const ConfigError& e) {
    return fail(e.what());
  }
}

}  // namespace hone::load
