#include "sweep/sweep_spec.h"

#include <algorithm>
#include <filesystem>

#include "core/strings.h"
#include "core/yaml_reader.h"
#include "sweep/cpu_pin.h"

namespace hone::sweep {
namespace {
namespace fs = std::filesystem;

std::string relative_to(const std::string& file, const std::string& path) {
  if (path.empty() || fs::path(path).is_absolute()) return path;
  return (fs::path(file).parent_path() / path).lexically_normal().string();
}

double seconds_of(YamlMap& map, const char* key, double fallback) {
  const auto us = map.duration_us(key);
  return us ? static_cast<double>(*us) / 1e6 : fallback;
}

// "p99 < 10ms and error_rate < 0.1%" -> its parts.
std::vector<std::string> conjuncts(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  for (;;) {
    const std::size_t at = text.find(" and ", from);
    out.emplace_back(trim(std::string_view(text).substr(
        from, at == std::string::npos ? std::string::npos : at - from)));
    if (at == std::string::npos) return out;
    from = at + 5;
  }
}

double fraction_of(YamlMap& map, const char* key, double fallback) {
  const auto text = map.string(key);
  if (!text) return fallback;
  std::string value = *text;
  const bool percent = !value.empty() && value.back() == '%';
  if (percent) value.pop_back();
  char* end = nullptr;
  const double number = std::strtod(value.c_str(), &end);
  if (value.empty() || *end != '\0' || number <= 0) {
    map.error_at(map.node(key), std::string("'") + key + "' must be a positive percentage");
  }
  return percent ? number / 100 : number;
}

std::vector<std::string> scalars(YamlMap& map, const YAML::Node& node, const std::string& what) {
  std::vector<std::string> out;
  if (!node.IsSequence() || node.size() == 0)
    map.error_at(node, what + " must be a non-empty list");
  for (const auto& item : node) {
    if (!item.IsScalar()) map.error_at(item, what + ": each value must be a scalar");
    out.push_back(item.Scalar());
  }
  return out;
}

std::vector<int> cpus_of(YamlMap& map, const char* key) {
  std::vector<int> cpus;
  for (const auto cpu : map.integers(key).value_or(std::vector<std::int64_t>{})) {
    cpus.push_back(static_cast<int>(cpu));
  }
  if (auto s = check_cpus(cpus); !s)
    map.error_at(map.node(key), std::string(key) + ": " + s.error().message);
  return cpus;
}

}  // namespace

std::string describe(const Configuration& configuration) {
  if (configuration.empty()) return "as given";
  std::vector<std::string> parts;
  for (const auto& [key, value] : configuration) {
    std::string name = key;
    if (name.rfind("--", 0) == 0) name = name.substr(2);
    if (name.rfind("model.", 0) == 0) name = name.substr(6);
    parts.push_back(name + "=" + (key == "scenario" ? fs::path(value).stem().string() : value));
  }
  return join(parts, " ");
}

std::vector<Configuration> SweepSpec::configurations() const {
  std::vector<Configuration> crossed = {{}};
  for (const auto& parameter : parameters) {
    std::vector<Configuration> next;
    for (const auto& base : crossed) {
      for (const auto& value : parameter.values) {
        Configuration c = base;
        c.emplace_back(parameter.key, value);
        next.push_back(std::move(c));
      }
    }
    crossed = std::move(next);
  }
  return crossed;
}

Result<SweepSpec> read_sweep(const std::string& path) {
  auto root = load_yaml_file(path);
  if (!root) return root.error();
  try {
    YamlMap map(*root, path, "sweep");
    SweepSpec spec;
    spec.file = path;
    YamlMap target(map.node("target"), path, "target");
    const YAML::Node serve = target.node("serve");
    spec.url = target.string("url").value_or("");
    if (serve.IsDefined() == !spec.url.empty()) {
      target.error_at(map.node("target"), "the target is either serve: {...} or url: URL");
    }
    if (serve.IsDefined()) {
      YamlMap s(serve, path, "serve");
      spec.models = relative_to(path, s.required_string("models"));
      spec.serve_args = s.strings("args").value_or(std::vector<std::string>{});
      spec.serve_cpus = cpus_of(s, "cpus");
      s.finish();
    }
    target.finish();
    const YAML::Node parameters = map.node("parameters");
    if (parameters.IsDefined()) {
      if (!parameters.IsMap())
        map.error_at(parameters, "'parameters' maps keys to lists of values");
      for (const auto& item : parameters) {
        Parameter p{item.first.Scalar(),
                    scalars(map, item.second, "parameter " + item.first.Scalar())};
        if (!p.is_flag() && p.key.rfind("model.", 0) != 0 && p.key != "scenario") {
          map.error_at(item.first, "parameter '" + p.key +
                                       "': a hone serve flag (--threads), a model config key "
                                       "(model.batching.max_queue_delay) or scenario");
        }
        if (p.key == "scenario") {
          for (auto& value : p.values) value = relative_to(path, value);
        }
        spec.parameters.push_back(std::move(p));
      }
      const bool server_side = std::any_of(spec.parameters.begin(), spec.parameters.end(),
                                           [](const Parameter& p) { return p.key != "scenario"; });
      if (!spec.url.empty() && server_side) {
        map.error_at(parameters,
                     "parameters need a serve: target (a URL's server is not hone's to change)");
      }
    }
    YamlMap load(map.node("load"), path, "load");
    spec.scenario = relative_to(path, load.required_string("scenario"));
    spec.threads = static_cast<int>(load.integer("threads").value_or(1));
    spec.load_cpus = cpus_of(load, "cpus");
    const YAML::Node rates = load.node("rates");
    const YAML::Node users = load.node("concurrency");
    const auto search = load.string("search");
    if (static_cast<int>(rates.IsDefined()) + static_cast<int>(users.IsDefined()) +
            static_cast<int>(search.has_value()) !=
        1) {
      load.error_at(map.node("load"),
                    "give one of rates: [...], concurrency: [...] or search: max_rate");
    }
    if (search) {
      if (*search != "max_rate")
        load.error_at(load.node("search"), "search: the one search is max_rate");
      spec.search = true;
      spec.search_start = load.number("start").value_or(100);
      spec.search_max = load.number("max_rate").value_or(1e6);
      spec.search_resolution = fraction_of(load, "resolution", 0.05);
      if (spec.search_start <= 0 || spec.search_max < spec.search_start) {
        load.error_at(map.node("load"), "search: start must be positive and at most max_rate");
      }
    }
    for (const auto& node : {rates, users}) {
      if (!node.IsDefined()) continue;
      spec.closed = node == users;
      for (const auto& text : scalars(load, node, spec.closed ? "concurrency" : "rates")) {
        char* end = nullptr;
        const double level = std::strtod(text.c_str(), &end);
        if (*end != '\0' || level <= 0)
          load.error_at(node, "'" + text + "' is not a positive number");
        spec.levels.push_back(level);
      }
    }
    load.finish();
    spec.slo_text = map.required_string("slo");
    for (const std::string& part : conjuncts(spec.slo_text)) {
      auto threshold = report::parse_threshold(part);
      if (!threshold) map.error_at(map.node("slo"), "slo: " + threshold.error().message);
      spec.slo.push_back(*threshold);
    }
    const YAML::Node stability = map.node("stability");
    if (stability.IsDefined()) {
      YamlMap s(stability, path, "stability");
      spec.stability.window_s = seconds_of(s, "window", 2);
      spec.stability.windows = static_cast<int>(s.integer("windows").value_or(3));
      spec.stability.tolerance = fraction_of(s, "tolerance", 0.10);
      spec.stability.max_time_s = seconds_of(s, "max_time", 30);
      if (spec.stability.window_s < 1 || spec.stability.windows < 2 ||
          spec.stability.max_time_s < spec.stability.window_s * spec.stability.windows) {
        s.error_at(stability,
                   "stability: window >= 1s, windows >= 2, max_time >= window x windows");
      }
      s.finish();
    }
    spec.out = relative_to(path, map.string("out").value_or("sweep-out"));
    map.finish();
    return spec;
  } catch (const ConfigError& e) {
    return fail(e.what());
  }
}

}  // namespace hone::sweep
