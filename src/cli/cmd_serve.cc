// hone serve: load the models, serve them until SIGTERM/SIGINT, then drain and exit 0.
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "core/logging.h"
#include "core/strings.h"
#include "core/units.h"
#include "model/model_folder.h"
#include "model/repository.h"
#include "monitor/alerts.h"
#include "serve/prediction_server.h"
#include "serve/serve_config.h"

namespace hone::cli {
namespace {

struct ServeFlags {
  std::string config_file;
  std::string models_dir;
  std::vector<std::string> model_files;
  std::vector<std::string> backends;
  std::vector<std::string> upstreams;
  std::string upstream_protocol;
  std::string host;
  int port = -1;
  int threads = -1;
  std::string max_body;
  long long max_connections = -1;
  long long max_in_flight = -1;
  std::string header_timeout;
  std::string idle_timeout;
  std::string drain_timeout;
  std::string log_level;
  std::string cache_size;
  bool no_compression = false;
  bool reuse_port = false;
  std::string redis;
  bool cache = false;
  std::string admin_token;
  std::string admin_token_file;
  std::vector<std::string> allowed_hosts;
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string api_keys;
  std::string api_key_rate;
  std::string jwt_secret_file;
  std::string jwt_key;
  std::string jwt_jwks;
  std::string jwt_audience;
  std::string jwt_issuer;
  bool no_metrics = false;
  std::vector<std::string> alerts;
  std::string alert_webhook;
  std::string history;
  int max_batch_size = 0;
  std::string max_queue_delay;
  std::string model_control;
  std::string model_memory;
  std::string model_poll_interval;
};

std::chrono::milliseconds to_millis(const std::string& text) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(parse_duration(text).value());
}

// A secret kept in a file: its first line, without surrounding whitespace.
Result<std::string> read_token_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return fail("cannot read the admin token file " + path);
  std::string line;
  std::getline(in, line);
  const std::string token(trim(line));
  if (token.empty()) return fail("the admin token file " + path + " is empty");
  return token;
}

// Defaults, then the config file, then the flags that were given.
Result<serve::ServeConfig> build_config(const ServeFlags& flags) {
  serve::ServeConfig config;
  if (!flags.config_file.empty()) {
    if (auto s = serve::load_serve_config(flags.config_file, config); !s) return s.error();
  }
  if (!flags.models_dir.empty()) config.models_dir = flags.models_dir;
  if (!flags.model_files.empty()) config.model_files = flags.model_files;
  if (!flags.backends.empty()) config.backends = flags.backends;
  if (!flags.upstreams.empty()) config.upstreams = flags.upstreams;
  if (!flags.upstream_protocol.empty()) config.upstream_protocol = flags.upstream_protocol;
  auto& options = config.options;
  if (!flags.host.empty()) options.http.host = flags.host;
  if (flags.port >= 0) options.http.port = static_cast<std::uint16_t>(flags.port);
  if (flags.threads >= 0) options.http.threads = flags.threads;
  if (flags.reuse_port) options.http.reuse_port = true;
  if (!flags.max_body.empty()) options.http.limits.max_body_bytes = *parse_bytes(flags.max_body);
  if (flags.max_connections >= 0) {
    options.http.limits.max_connections = static_cast<std::size_t>(flags.max_connections);
  }
  if (flags.max_in_flight >= 0)
    options.max_in_flight = static_cast<std::size_t>(flags.max_in_flight);
  if (!flags.header_timeout.empty()) {
    options.http.limits.header_timeout = to_millis(flags.header_timeout);
  }
  if (!flags.idle_timeout.empty()) {
    options.http.limits.idle_timeout = to_millis(flags.idle_timeout);
  }
  if (!flags.drain_timeout.empty()) options.drain_timeout = to_millis(flags.drain_timeout);
  if (!flags.log_level.empty()) config.log_level = flags.log_level;
  if (!flags.cache_size.empty()) options.cache_bytes = *parse_bytes(flags.cache_size);
  if (flags.no_compression) options.http.compression.enabled = false;
  if (flags.cache) config.model_defaults.cache.enabled = true;
  // The admin token: the command line, then HONE_ADMIN_TOKEN, then the config file.
  if (!config.admin_token_file.empty() && flags.admin_token.empty() &&
      flags.admin_token_file.empty() && std::getenv("HONE_ADMIN_TOKEN") == nullptr) {
    auto token = read_token_file(config.admin_token_file);
    if (!token) return token.error();
    options.admin_token = *token;
  }
  if (const char* env = std::getenv("HONE_ADMIN_TOKEN"); env != nullptr) {
    if (trim(env).empty()) return fail("HONE_ADMIN_TOKEN is set but empty");
    options.admin_token = std::string(trim(env));
  }
  if (!flags.admin_token_file.empty()) {
    auto token = read_token_file(flags.admin_token_file);
    if (!token) return token.error();
    options.admin_token = *token;
  }
  if (!flags.admin_token.empty()) options.admin_token = flags.admin_token;
  if (flags.no_metrics) options.metrics = false;
  if (!flags.allowed_hosts.empty()) options.allowed_hosts = flags.allowed_hosts;
  if (!flags.tls_cert.empty()) options.http.tls.cert_file = flags.tls_cert;
  if (!flags.tls_key.empty()) options.http.tls.key_file = flags.tls_key;
  if (!flags.tls_client_ca.empty()) options.http.tls.client_ca_file = flags.tls_client_ca;
  if (!flags.api_keys.empty()) config.api_keys_file = flags.api_keys;
  if (!flags.api_key_rate.empty()) config.api_key_rate = flags.api_key_rate;
  if (!flags.jwt_secret_file.empty()) config.jwt.secret_file = flags.jwt_secret_file;
  if (!flags.jwt_key.empty()) config.jwt.public_key_file = flags.jwt_key;
  if (!flags.jwt_jwks.empty()) config.jwt.jwks_file = flags.jwt_jwks;
  if (!flags.jwt_audience.empty()) config.jwt.audience = flags.jwt_audience;
  if (!flags.jwt_issuer.empty()) config.jwt.issuer = flags.jwt_issuer;
  auto auth = serve::build_authenticator(config);
  if (!auth) return auth.error();
  options.auth = std::move(*auth);
  if (!flags.history.empty()) {
    const auto history_us = parse_duration(flags.history)->count();
    if (history_us < 10'000'000) return fail("--history must be at least 10s");
    options.history_seconds = static_cast<std::size_t>(history_us / 1'000'000);
  }
  for (const auto& text : flags.alerts) {
    auto rule = monitor::parse_alert_rule(text);
    if (!rule) return rule.error();
    options.alerts.push_back(*rule);
  }
  if (!flags.alert_webhook.empty()) options.alert_webhook = flags.alert_webhook;
  if (flags.max_batch_size > 0) {
    config.model_defaults.batching.enabled = true;
    config.model_defaults.batching.max_batch_size = static_cast<std::size_t>(flags.max_batch_size);
  }
  if (!flags.max_queue_delay.empty()) {
    config.model_defaults.batching.enabled = true;
    config.model_defaults.batching.max_queue_delay_us =
        parse_duration(flags.max_queue_delay)->count();
  }
  serve::LifecycleOptions& lifecycle = options.lifecycle;
  if (!flags.model_control.empty()) {
    auto control = serve::parse_model_control(flags.model_control);
    if (!control) return control.error();
    lifecycle.control = *control;
  }
  if (!flags.model_memory.empty()) lifecycle.memory_budget = *parse_bytes(flags.model_memory);
  if (!flags.model_poll_interval.empty()) {
    lifecycle.poll_interval = to_millis(flags.model_poll_interval);
  }
  lifecycle.repository = config.models_dir;
  if (!flags.redis.empty()) {
    serve::RedisOptions redis = options.redis.value_or(serve::RedisOptions{});
    if (auto s = serve::parse_redis_url(flags.redis, redis); !s) return s.error();
    options.redis = redis;
  }
  if (auto s = serve::validate(config); !s) return s.error();
  return config;
}

struct StartingModels {
  std::shared_ptr<model::ModelRepository> repository;  // loaded now
  std::vector<std::string> on_demand;                  // loaded on their first request
};

Result<StartingModels> load_models(const serve::ServeConfig& config) {
  auto repository = std::make_shared<model::ModelRepository>();
  std::vector<std::string> on_demand;
  model::BackendOptions backend_options;
  backend_options.pool_size = config.options.http.threads;
  // Under a memory budget the repository's models load on their first request; their configs
  // are checked here all the same, so that a broken one stops the start. Its json upstreams are
  // no models: they are served from the start.
  if (!config.models_dir.empty() && config.options.lifecycle.memory_budget > 0) {
    auto configs = model::read_repository(config.models_dir);
    if (!configs) return configs.error();
    for (auto& one : *configs) {
      if (one.backend == model::kUpstreamBackend && one.upstream.protocol == "json") {
        if (auto s = repository->add(std::move(one), backend_options); !s) return s.error();
      } else if (on_demand.empty() || on_demand.back() != one.name) {
        on_demand.push_back(one.name);
      }
    }
  } else if (!config.models_dir.empty()) {
    if (auto s = repository->load_directory(config.models_dir, backend_options); !s) {
      return s.error();
    }
  }
  for (std::size_t i = 0; i < config.model_files.size(); ++i) {
    std::string backend = "auto";
    if (config.backends.size() == 1) backend = config.backends.front();
    if (config.backends.size() > 1) backend = config.backends[i];
    if (auto s = repository->add_artifact(config.model_files[i], backend, backend_options,
                                          config.model_defaults);
        !s) {
      return s.error();
    }
  }
  for (const auto& spec : config.upstreams) {
    if (auto s = repository->add_upstream(spec, config.upstream_protocol, config.model_defaults);
        !s) {
      return s.error();
    }
  }
  return StartingModels{std::move(repository), std::move(on_demand)};
}

int run_serve(const ServeFlags& flags) {
  const auto started = std::chrono::steady_clock::now();
  // Signals are taken by this thread alone (sigwait below). Block them before anything starts a
  // thread (libxgboost's OpenMP pool while loading, the I/O threads): threads inherit the mask,
  // and a thread with SIGTERM unblocked would let it kill the process without a drain.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  auto config = build_config(flags);
  if (!config) return report_error(config.error().message, 2);
  if (auto s = set_log_level(config->log_level); !s) return report_error(s.error().message, 2);
  if (!flags.admin_token.empty()) {
    spdlog::warn(
        "--admin-token on the command line can be read by other local users (/proc); "
        "prefer --admin-token-file or HONE_ADMIN_TOKEN");
  }
  config->options.lifecycle.backend.pool_size = config->options.http.threads;
  auto models = load_models(*config);
  if (!models) return report_error(models.error().message, 1);
  const model::ModelRepository& loaded = *models->repository;
  std::vector<std::string> names;
  for (const auto& model : loaded.models()) {
    if (names.empty() || names.back() != model->config.name) names.push_back(model->config.name);
  }
  for (const auto* api : loaded.apis()) names.push_back(api->config.name);
  for (const auto& name : models->on_demand) names.push_back(name + " (on first request)");
  for (const auto& rule : config->options.alerts) {
    if (!rule.model.empty() && loaded.find(rule.model) == nullptr &&
        std::find(models->on_demand.begin(), models->on_demand.end(), rule.model) ==
            models->on_demand.end()) {
      return report_error(
          "alert '" + rule.name + "' names model '" + rule.model + "', which is not served", 2);
    }
  }

  config->options.started = started;
  serve::PredictionServer server(config->options, models->repository);
  if (auto s = server.start(); !s) return report_error(s.error().message, 1);
  const auto times = server.startup_times();
  // An IPv6 address goes in brackets in a URL.
  const std::string& host = config->options.http.host;
  const std::string url_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::printf("hone serve: listening on %s://%s:%u (models: %s; ready in %s, warmup %s)\n",
              config->options.http.tls.enabled() ? "https" : "http", url_host.c_str(),
              server.port(), join(names, ", ").c_str(), format_duration(times.ready).c_str(),
              format_duration(times.warmup).c_str());
  std::fflush(stdout);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  // A second signal while draining ends the process at once.
  pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
  spdlog::info("received {}, draining (up to {})", signal_number == SIGTERM ? "SIGTERM" : "SIGINT",
               format_duration(config->options.drain_timeout));
  server.stop();
  spdlog::info("stopped");
  return 0;
}

}  // namespace

Command add_serve_command(CLI::App& root) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* app = root.add_subcommand("serve", "Serve models over KServe v2 and TF-Serving REST");
  app->add_option("--models", flags->models_dir,
                  "Model repository: one folder per model with config.yaml and the artifact");
  app->add_option("--model", flags->model_files,
                  "Serve one model file or folder, as [NAME=]PATH (repeatable)");
  app->add_option(
      "--backend", flags->backends,
      "Backend for --model (once for all, or once per --model): auto (default: the native "
      "engine where it supports the model, else libxgboost), trees or xgboost");
  app->add_option("--upstream", flags->upstreams,
                  "Serve a model that another server computes, as NAME=URL (repeatable)");
  app->add_option(
      "--upstream-protocol", flags->upstream_protocol,
      "How --upstream servers are asked: v2 (KServe v2, default), v1 (TF-Serving), or json "
      "(any JSON API, its requests forwarded as they are)");
  app->add_option(
         "--model-control", flags->model_control,
         "How models change while serving: none (default: those it started with), poll (the "
         "--models folder is watched for new versions and changed files) or explicit (POST "
         "/v2/repository/models/NAME/load and /unload, with the admin token)")
      ->check(CLI::IsMember({"none", "poll", "explicit"}));
  app->add_option("--model-memory", flags->model_memory,
                  "Memory for loaded models, e.g. 2GiB: the --models folder's models then load on "
                  "their first request, and the least recently used idle one is unloaded to make "
                  "room")
      ->check(size_validator());
  app->add_option("--model-poll-interval", flags->model_poll_interval,
                  "With --model-control poll: how often the --models folder is looked at "
                  "(default 10s)")
      ->check(duration_validator());
  app->add_option("--config", flags->config_file, "YAML file with server settings")
      ->check(CLI::ExistingFile);
  app->add_option(
      "--host", flags->host,
      "Address or host name to listen on, e.g. 0.0.0.0, ::1, localhost (default 127.0.0.1)");
  app->add_option("--port", flags->port, "Port to listen on; 0 picks a free one (default 8000)")
      ->check(whole_range_validator(0, 65535));
  app->add_flag("--reuse-port", flags->reuse_port,
                "Share the port with other hone serve processes that set it too (SO_REUSEPORT): "
                "start a new one beside the old, wait for it to be ready, then SIGTERM the old");
  app->add_option("--threads", flags->threads, "I/O threads (default: number of cores)")
      ->check(whole_range_validator(0, 256));
  app->add_option("--max-body", flags->max_body, "Largest request body (default 1MiB)")
      ->check(size_validator());
  app->add_option("--max-connections", flags->max_connections,
                  "Open connections at most; beyond, new ones wait to be accepted (default 10000, "
                  "0: no bound)")
      ->check(whole_range_validator(0, 10'000'000));
  app->add_option("--max-in-flight", flags->max_in_flight,
                  "Predictions inside the server at once, all models together; beyond, 503 with "
                  "Retry-After (default 4096, 0: no bound)")
      ->check(whole_range_validator(0, 10'000'000));
  app->add_option("--header-timeout", flags->header_timeout,
                  "Time allowed to send a request header (default 10s)")
      ->check(duration_validator());
  app->add_option("--idle-timeout", flags->idle_timeout,
                  "Idle keep-alive connections are closed after this (default 60s)")
      ->check(duration_validator());
  app->add_option("--drain-timeout", flags->drain_timeout,
                  "On SIGTERM/SIGINT, time allowed for in-flight requests (default 10s)")
      ->check(duration_validator());
  app->add_option("--log-level", flags->log_level, "trace, debug, info, warn, error or off");
  app->add_option("--cache-size", flags->cache_size,
                  "Memory for the response cache of models with cache on (default 64MiB)")
      ->check(size_validator());
  app->add_flag(
      "--no-compression", flags->no_compression,
      "Never compress answers (by default gzip, br or zstd above 1 KiB, as the client accepts)");
  app->add_flag("--cache", flags->cache,
                "Turn the response cache on for --model and --upstream models (default off)");
  app->add_option(
         "--max-batch-size", flags->max_batch_size,
         "Turn dynamic batching on for --model and --upstream models, with this many rows at most")
      ->check(whole_range_validator(1, 65536));
  app->add_option(
         "--max-queue-delay", flags->max_queue_delay,
         "With batching: longest wait for a fuller batch, from the oldest request (default 500us)")
      ->check(duration_validator());
  app->add_option("--admin-token", flags->admin_token,
                  "Token that calls changing server state must bring (Authorization: Bearer T); "
                  "other local users can read it in /proc: prefer --admin-token-file or "
                  "HONE_ADMIN_TOKEN");
  app->add_option("--api-keys", flags->api_keys,
                  "Predictions need a key from this file (one per line: KEY [models=A,B] "
                  "[rate=N/s]), as Authorization: Bearer KEY or X-API-Key: KEY");
  app->add_option("--api-key-rate", flags->api_key_rate,
                  "Each key's rate limit unless its line sets one, N/s or N/m (429 beyond)");
  app->add_option("--jwt-secret-file", flags->jwt_secret_file,
                  "Predictions take HS256 JWTs (Authorization: Bearer JWT) signed with the secret "
                  "in this file (at least 32 bytes)");
  app->add_option("--jwt-key", flags->jwt_key,
                  "Predictions take RS256 or ES256 JWTs signed for this PEM public key");
  app->add_option("--jwt-jwks", flags->jwt_jwks,
                  "Predictions take JWTs signed for a key in this JSON Web Key Set file (by kid)");
  app->add_option("--jwt-audience", flags->jwt_audience,
                  "A JWT's aud claim must hold this audience");
  app->add_option("--jwt-issuer", flags->jwt_issuer, "A JWT's iss claim must be this issuer");
  app->add_option("--tls-cert", flags->tls_cert,
                  "Serve HTTPS with this PEM certificate chain (TLS 1.2 and 1.3)");
  app->add_option("--tls-key", flags->tls_key, "The PEM private key of --tls-cert");
  app->add_option("--tls-client-ca", flags->tls_client_ca,
                  "Require every client to present a certificate signed by this PEM CA (mutual "
                  "TLS)");
  app->add_option("--allowed-host", flags->allowed_hosts,
                  "A host name that may read /api, /metrics and /dashboard besides IP addresses "
                  "and localhost (repeatable; on a non-loopback address, the check then holds)");
  app->add_option("--admin-token-file", flags->admin_token_file,
                  "Read the admin token from the first line of this file");
  app->add_flag("--no-metrics", flags->no_metrics,
                "Do not record request metrics (/metrics, /api/performance and alerts go quiet)");
  app->add_option("--alert", flags->alerts,
                  "Alert rule over the whole server, e.g. 'p99_ms > 100 for 30s' (repeatable)");
  app->add_option("--alert-webhook", flags->alert_webhook,
                  "POST alert state changes as JSON to this http:// URL");
  app->add_option("--history", flags->history,
                  "How much per-second history to keep for /api/performance/history (default 1h)")
      ->check(duration_validator());
  app->add_option(
      "--redis", flags->redis,
      "L2 response cache in Redis, redis://HOST[:PORT]; Redis trouble never fails a prediction");
  return {app, [flags] { return run_serve(*flags); }};
}

}  // namespace hone::cli
