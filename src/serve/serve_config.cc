#include "serve/serve_config.h"

#include <algorithm>

#include "core/yaml_reader.h"

namespace hone::serve {
namespace {

std::chrono::milliseconds millis(std::int64_t micros) {
  return std::chrono::milliseconds(micros / 1000);
}

void read_limits(YamlMap& parent, ServeOptions& options) {
  const YAML::Node node = parent.node("limits");
  if (!node.IsDefined()) return;
  YamlMap map(node, parent.file(), "limits");
  http::Limits& limits = options.http.limits;
  if (auto v = map.bytes("max_body")) limits.max_body_bytes = *v;
  if (auto v = map.bytes("max_header")) limits.max_header_bytes = *v;
  if (auto v = map.bytes("max_request_line")) limits.max_request_line = *v;
  if (auto v = map.integer("max_header_fields")) {
    if (*v < 1 || *v > 10'000)
      map.error_at(map.node("max_header_fields"), "max_header_fields must be 1..10000");
    limits.max_header_fields = static_cast<std::size_t>(*v);
  }
  if (auto v = map.duration_us("header_timeout")) limits.header_timeout = millis(*v);
  if (auto v = map.duration_us("body_timeout")) limits.body_timeout = millis(*v);
  if (auto v = map.duration_us("idle_timeout")) limits.idle_timeout = millis(*v);
  if (auto v = map.integer("max_connections")) {
    if (*v < 0) map.error_at(map.node("max_connections"), "max_connections must be 0 or more");
    limits.max_connections = static_cast<std::size_t>(*v);
  }
  if (auto v = map.integer("max_in_flight")) {
    if (*v < 0) map.error_at(map.node("max_in_flight"), "max_in_flight must be 0 or more");
    options.max_in_flight = static_cast<std::size_t>(*v);
  }
  if (auto v = map.integer("max_pipeline")) {
    if (*v < 1) map.error_at(map.node("max_pipeline"), "max_pipeline must be at least 1");
    limits.max_pipeline = static_cast<std::size_t>(*v);
  }
  if (auto v = map.integer("json_depth")) {
    if (*v < 2 || *v > 1024) map.error_at(map.node("json_depth"), "json_depth must be 2..1024");
    options.json.max_depth = static_cast<std::size_t>(*v);
  }
  map.finish();
}

}  // namespace

Status load_serve_config(const std::string& path, ServeConfig& config) {
  auto root = load_yaml_file(path);
  if (!root) return root.error();
  try {
    YamlMap map(*root, path, "serve config");
    ServeOptions& options = config.options;
    if (auto v = map.string("host")) options.http.host = *v;
    const YAML::Node tls = map.node("tls");
    if (tls.IsDefined()) {
      YamlMap section(tls, path, "tls");
      if (auto v = section.string("cert")) options.http.tls.cert_file = *v;
      if (auto v = section.string("key")) options.http.tls.key_file = *v;
      if (auto v = section.string("client_ca")) options.http.tls.client_ca_file = *v;
      section.finish();
    }
    if (auto v = map.integer("port")) {
      if (*v < 0 || *v > 65535) map.error_at(map.node("port"), "port must be 0..65535");
      options.http.port = static_cast<std::uint16_t>(*v);
    }
    if (auto v = map.boolean("reuse_port")) options.http.reuse_port = *v;
    if (auto v = map.integer("threads")) {
      if (*v < 0 || *v > 256) map.error_at(map.node("threads"), "threads must be 0..256");
      options.http.threads = static_cast<int>(*v);
    }
    if (auto v = map.string("models")) config.models_dir = *v;
    if (auto v = map.strings("model")) config.model_files = *v;
    if (auto v = map.string("backend")) config.backends = {*v};
    if (auto v = map.strings("upstream")) config.upstreams = *v;
    if (auto v = map.string("upstream_protocol")) config.upstream_protocol = *v;
    if (auto v = map.duration_us("drain_timeout")) options.drain_timeout = millis(*v);
    if (auto v = map.string("log_level")) config.log_level = *v;
    if (auto v = map.bytes("cache_size")) options.cache_bytes = *v;
    if (auto v = map.string("admin_token")) options.admin_token = *v;
    if (auto v = map.string("admin_token_file")) config.admin_token_file = *v;
    if (auto v = map.strings("allowed_hosts")) options.allowed_hosts = *v;
    if (auto v = map.string("model_control")) {
      auto control = parse_model_control(*v);
      if (!control) map.error_at(map.node("model_control"), "must be none, poll or explicit");
      options.lifecycle.control = *control;
    }
    if (auto v = map.bytes("model_memory")) options.lifecycle.memory_budget = *v;
    if (auto v = map.duration_us("model_poll_interval")) {
      options.lifecycle.poll_interval = millis(*v);
    }
    const YAML::Node auth = map.node("auth");
    if (auth.IsDefined()) {
      YamlMap section(auth, path, "auth");
      if (auto v = section.string("api_keys")) config.api_keys_file = *v;
      if (auto v = section.string("rate")) config.api_key_rate = *v;
      const YAML::Node jwt = section.node("jwt");
      if (jwt.IsDefined()) {
        YamlMap keys(jwt, path, "auth.jwt");
        JwtSettings& settings = config.jwt;
        if (auto v = keys.string("secret_file")) settings.secret_file = *v;
        if (auto v = keys.string("public_key")) settings.public_key_file = *v;
        if (auto v = keys.string("jwks")) settings.jwks_file = *v;
        if (auto v = keys.string("audience")) settings.audience = *v;
        if (auto v = keys.string("issuer")) settings.issuer = *v;
        if (auto v = keys.string("models_claim")) settings.models_claim = *v;
        if (auto v = keys.duration_us("leeway")) settings.leeway_s = *v / 1'000'000;
        keys.finish();
        if (!settings.configured()) {
          section.error_at(jwt, "auth.jwt needs secret_file, public_key or jwks");
        }
      }
      section.finish();
    }
    if (auto v = map.boolean("metrics")) options.metrics = *v;
    if (auto v = map.duration_us("history")) {
      if (*v < 10'000'000) map.error_at(map.node("history"), "'history' must be at least 10s");
      options.history_seconds = static_cast<std::size_t>(*v / 1'000'000);
    }
    const YAML::Node alerts = map.node("alerts");
    if (alerts.IsDefined()) {
      YamlMap section(alerts, path, "alerts");
      if (auto v = section.string("webhook")) options.alert_webhook = *v;
      const YAML::Node rules = section.node("rules");
      if (rules.IsDefined()) {
        if (!rules.IsSequence()) section.error_at(rules, "'rules' must be a list");
        for (const auto& item : rules) {
          std::string expr;
          YAML::Node where = item;
          std::optional<YamlMap> rule_map;
          if (item.IsScalar()) {
            expr = item.Scalar();
          } else {
            rule_map.emplace(item, path, "alert rule");
            expr = rule_map->required_string("expr");
          }
          auto rule = monitor::parse_alert_rule(expr);
          if (!rule) section.error_at(where, rule.error().message);
          if (rule_map) {
            if (auto v = rule_map->string("name")) rule->name = *v;
            if (auto v = rule_map->string("model")) rule->model = *v;
            if (auto v = rule_map->string("severity")) rule->severity = *v;
            rule_map->finish();
          }
          options.alerts.push_back(*rule);
        }
      }
      section.finish();
    }
    read_limits(map, options);
    const YAML::Node redis = map.node("redis");
    if (redis.IsDefined()) {
      YamlMap section(redis, path, "redis");
      RedisOptions settings;
      if (auto s = parse_redis_url(section.required_string("url"), settings); !s) {
        section.error_at(section.node("url"), s.error().message);
      }
      if (auto v = section.string("prefix")) settings.prefix = *v;
      if (auto v = section.duration_us("connect_timeout")) settings.connect_timeout = millis(*v);
      if (auto v = section.duration_us("command_timeout")) settings.command_timeout = millis(*v);
      if (auto v = section.integer("breaker_failures")) {
        if (*v < 1 || *v > 1000000) {
          section.error_at(section.node("breaker_failures"),
                           "'breaker_failures' must be from 1 to 1000000");
        }
        settings.breaker_failures = static_cast<int>(*v);
      }
      if (auto v = section.duration_us("breaker_cooldown")) settings.breaker_cooldown = millis(*v);
      section.finish();
      options.redis = settings;
    }
    const YAML::Node compression = map.node("compression");
    if (compression.IsDefined()) {
      YamlMap section(compression, path, "compression");
      auto& settings = options.http.compression;
      settings.enabled = section.boolean("enabled").value_or(true);
      if (auto v = section.bytes("min_size")) settings.min_bytes = *v;
      // A level outside the codec's range is a mistake, not something to round silently.
      const auto level = [&section](const char* key, int low, int high, int& out) {
        if (auto v = section.integer(key)) {
          if (*v < low || *v > high) {
            section.error_at(section.node(key), std::string("'") + key + "' must be from " +
                                                    std::to_string(low) + " to " +
                                                    std::to_string(high));
          }
          out = static_cast<int>(*v);
        }
      };
      level("gzip_level", 1, 9, settings.gzip_level);
      level("brotli_quality", 0, 11, settings.brotli_quality);
      level("zstd_level", 1, 19, settings.zstd_level);
      section.finish();
    }
    map.finish();
  } catch (const ConfigError& e) {
    return fail(e.what());
  }
  return {};
}

Result<std::shared_ptr<Authenticator>> build_authenticator(const ServeConfig& config) {
  if (!config.api_key_rate.empty() && config.api_keys_file.empty()) {
    return fail("--api-key-rate needs --api-keys");
  }
  std::unique_ptr<ApiKeys> keys;
  if (!config.api_keys_file.empty()) {
    KeyRate rate;
    if (!config.api_key_rate.empty()) {
      auto parsed = parse_key_rate(config.api_key_rate);
      if (!parsed) return fail("--api-key-rate: " + parsed.error().message);
      rate = *parsed;
    }
    auto loaded = ApiKeys::load(config.api_keys_file, rate);
    if (!loaded) return loaded.error();
    keys = std::move(*loaded);
  }
  const JwtSettings& jwt = config.jwt;
  if (!jwt.configured() && (!jwt.audience.empty() || !jwt.issuer.empty())) {
    return fail("--jwt-audience and --jwt-issuer need --jwt-secret-file, --jwt-key or --jwt-jwks");
  }
  std::unique_ptr<JwtVerifier> verifier;
  if (jwt.configured()) {
    auto loaded = JwtVerifier::load(jwt);
    if (!loaded) return loaded.error();
    verifier = std::move(*loaded);
  }
  if (!keys && !verifier) return std::shared_ptr<Authenticator>();
  return std::make_shared<Authenticator>(std::move(keys), std::move(verifier));
}

Status validate(const ServeConfig& config) {
  if (config.models_dir.empty() && config.model_files.empty() && config.upstreams.empty()) {
    return fail("nothing to serve: give --models DIR, --model [NAME=]PATH or --upstream NAME=URL");
  }
  if (config.upstream_protocol != "v2" && config.upstream_protocol != "v1" &&
      config.upstream_protocol != "json") {
    return fail("upstream protocol '" + config.upstream_protocol + "': expected v2, v1 or json");
  }
  const LifecycleOptions& lifecycle = config.options.lifecycle;
  if (lifecycle.poll_interval.count() < 10)
    return fail("--model-poll-interval must be at least 10ms");
  if (lifecycle.control == ModelControl::kPoll && config.models_dir.empty()) {
    return fail("--model-control poll watches a repository folder: give --models DIR");
  }
  if (lifecycle.memory_budget > 0 && config.models_dir.empty()) {
    return fail(
        "--model-memory loads the models of a repository folder as they are asked for: "
        "give --models DIR");
  }
  if (config.backends.size() > 1 && config.backends.size() != config.model_files.size()) {
    return fail("give --backend once for every --model, or once for all of them");
  }
  const auto& tls = config.options.http.tls;
  if (!tls.enabled() && (!tls.key_file.empty() || !tls.client_ca_file.empty())) {
    return fail("--tls-key and --tls-client-ca need --tls-cert");
  }
  if (tls.enabled() && tls.key_file.empty()) return fail("--tls-cert needs --tls-key");
  const auto& limits = config.options.http.limits;
  if (limits.max_body_bytes == 0) return fail("max body size must be positive");
  if (limits.max_header_bytes < 256) return fail("max header size must be at least 256 bytes");
  if (!config.options.alert_webhook.empty() &&
      config.options.alert_webhook.rfind("http://", 0) != 0) {
    return fail("alert webhook '" + config.options.alert_webhook + "' must be an http:// URL");
  }
  if (limits.header_timeout.count() <= 0 || limits.idle_timeout.count() <= 0 ||
      limits.body_timeout.count() <= 0) {
    return fail("timeouts must be positive");
  }
  return {};
}

}  // namespace hone::serve
