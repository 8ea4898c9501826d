// hone serve's settings: defaults, then a YAML file (--config), then command-line flags.
// The file's keys mirror the flags:
//   host: 127.0.0.1          port: 8000          threads: 2        reuse_port: false
//   tls: {cert: server.pem, key: server.key, client_ca: clients-ca.pem}
//   models: examples/models  model: [name=path.json, ...]   backend: xgboost
//   drain_timeout: 10s       log_level: info     cache_size: 64MiB
//   limits: {max_body: 1MiB, max_header: 16KiB, max_request_line: 8KiB, header_timeout: 10s,
//            body_timeout: 30s, idle_timeout: 60s, max_pipeline: 32, json_depth: 32}
//   compression: {enabled: true, min_size: 1KiB, gzip_level: 5, brotli_quality: 4, zstd_level: 3}
//   admin_token: s3cret      metrics: true       history: 1h
//   model_control: poll      model_memory: 2GiB  model_poll_interval: 10s
//   auth: {api_keys: FILE, rate: 50/s,
//          jwt: {secret_file: F, public_key: F, jwks: F, audience: A, issuer: I, leeway: 60s,
//                models_claim: C}}
//   alerts: {webhook: http://127.0.0.1:9000/alerts,
//            rules: ["p99_ms > 100 for 30s", {expr: "error_rate > 5%", model: m, name: n}]}
//   redis: {url: redis://127.0.0.1:6379, prefix: "hone:", connect_timeout: 200ms,
//           command_timeout: 20ms, breaker_failures: 5, breaker_cooldown: 1s}
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "serve/prediction_server.h"

namespace hone::serve {

struct ServeConfig {
  ServeOptions options;
  std::string models_dir;
  std::vector<std::string> model_files;   // [NAME=]PATH
  std::vector<std::string> backends;      // one for all model_files, or one each
  std::vector<std::string> upstreams;     // NAME=URL: models served by another server
  std::string upstream_protocol = "v2";   // how the upstreams are asked: v2 or v1
  model::ServingDefaults model_defaults;  // batching and cache for model_files and upstreams
  std::string log_level = "info";
  std::string
      admin_token_file;       // read when neither the command line nor HONE_ADMIN_TOKEN gives one
  std::string api_keys_file;  // auth.api_keys: predictions need one of its keys
  std::string api_key_rate;   // auth.rate: each key's default rate limit
  JwtSettings jwt;            // auth.jwt: bearer tokens
};

// Reads a config file over `config` (keys absent from the file keep their value).
Status load_serve_config(const std::string& path, ServeConfig& config);

// The credential checks the settings ask for (API keys, JWT keys), or null when they ask for none.
Result<std::shared_ptr<Authenticator>> build_authenticator(const ServeConfig& config);

// Checks the settings that flags and file can both get wrong (and that alert rules name served
// models is checked once the models are loaded).
Status validate(const ServeConfig& config);

}  // namespace hone::serve
