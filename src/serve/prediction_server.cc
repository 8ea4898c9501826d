#include "serve/prediction_server.h"

#include <spdlog/spdlog.h>

#include "core/units.h"
#include "http/serialize.h"
#include "serve/alert_webhook.h"
#include "serve/host_guard.h"
#include "serve/router.h"
#include "serve/serve_state.h"

namespace hone::serve {

struct PredictionServer::State {
  State(std::size_t cache_bytes, std::size_t max_in_flight) : serve(cache_bytes, max_in_flight) {}
  ServeState serve;
  Router router;
  std::unique_ptr<monitor::AlertEngine> alerts;
  std::unique_ptr<AlertWebhook> webhook;
  std::unique_ptr<monitor::Monitor> monitor;
  std::unique_ptr<ModelLifecycle> lifecycle;
};

Result<WarmupResult> warm_up(const model::Model& model) {
  const auto width = static_cast<std::size_t>(model.input().row_width());
  std::vector<float> rows;
  std::size_t count = model.config.warmup.rows.size();
  for (const auto& row : model.config.warmup.rows) rows.insert(rows.end(), row.begin(), row.end());
  if (count == 0) {
    rows.assign(width, 0.0F);
    count = 1;
  }
  WarmupResult result;
  result.outputs.resize(count * static_cast<std::size_t>(model.output().row_width()));
  const auto start = SteadyClock::now();
  for (int round = 0; round < model.config.warmup.rounds; ++round) {
    if (auto s = model.backend->predict(rows, count, result.outputs); !s) {
      return fail("warmup of model '" + model.config.name + "' failed: " + s.error().message);
    }
    result.rows += count;
  }
  spdlog::info("model '{}' warmed up: {} round(s) of {} row(s) in {}", model.config.name,
               model.config.warmup.rounds, count, format_duration(SteadyClock::now() - start));
  return result;
}

void PredictionServer::stop() {
  state_->serve.ready = false;
  state_->monitor->stop();
  http_->stop(options_.drain_timeout);
  // After the drain: queued requests were answered, or their connections are gone.
  state_->lifecycle->stop();
  for (auto& api : state_->serve.apis) api->stop();
}

std::uint16_t PredictionServer::port() const { return http_->port(); }
bool PredictionServer::ready() const { return state_->serve.ready.load(); }

PredictionServer::PredictionServer(ServeOptions options,
                                   std::shared_ptr<const model::ModelRepository> models)
    : options_(std::move(options)),
      state_(std::make_unique<State>(options_.cache_bytes, options_.max_in_flight)) {
  ServeState& serve = state_->serve;
  serve.initial = std::move(models);
  serve.json = options_.json;
  serve.milestones.started = options_.started;
  if (options_.redis) serve.caches.l2 = std::make_unique<RedisCache>(*options_.redis);
  serve.metrics_enabled = options_.metrics;
  serve.admin_token = options_.admin_token;
  serve.auth = options_.auth.get();
  LifecycleOptions lifecycle = options_.lifecycle;
  if (lifecycle.max_waiting == 0) lifecycle.max_waiting = options_.max_in_flight;
  state_->lifecycle = std::make_unique<ModelLifecycle>(
      serve.table, std::move(lifecycle),
      [&serve, metrics = options_.metrics](std::shared_ptr<const model::Model> model) {
        auto model_metrics = metrics ? serve.model_metrics.of(model->config.name) : nullptr;
        return std::make_shared<ModelPipeline>(std::move(model), serve.caches, serve.milestones,
                                               std::move(model_metrics));
      },
      [&serve](const model::Model& model) -> Status {
        if (serve.auth == nullptr && model.config.auth == model::AuthPolicy::required) {
          return fail(model.config.source + ": model '" + model.config.name +
                      "' has auth: required, but the server has no credentials to check");
        }
        auto warmed = serve::warm_up(model);
        if (warmed || model.backend->capabilities().remote) return {};
        return warmed.error();
      });
  serve.lifecycle = state_->lifecycle.get();
  for (const model::Api* api : serve.initial->apis()) {
    serve.apis.push_back(std::make_unique<ApiPipeline>(*api, serve.caches, serve.milestones,
                                                       options_.metrics, options_.json));
  }
  state_->alerts = std::make_unique<monitor::AlertEngine>(options_.alerts);
  serve.alerts = state_->alerts.get();
  if (!options_.alert_webhook.empty()) {
    auto webhook = AlertWebhook::create(options_.alert_webhook);
    if (webhook) {
      state_->webhook = std::move(*webhook);
    } else {
      spdlog::error("{}", webhook.error().message);  // validated with the config; defensive
    }
  }
  state_->alerts->set_listener([webhook = state_->webhook.get()](const monitor::AlertEvent& event) {
    const auto& s = event.state;
    if (s.status == monitor::AlertStatus::kFiring) {
      spdlog::warn("alert firing: {} (value {:.4g}, threshold {:.4g})", s.rule.name, s.value,
                   s.rule.threshold);
    } else {
      spdlog::info("alert resolved: {}", s.rule.name);
    }
    if (webhook != nullptr) webhook->notify(event);
  });
  monitor::MonitorSources sources;
  if (options_.metrics) {
    // Metrics live as long as the server (MetricsByModel), the models served change.
    sources.models = [&serve]() {
      std::vector<const monitor::ModelMetrics*> metrics;
      for (const Metered& served : serve.metered()) metrics.push_back(served.metrics);
      return metrics;
    };
  }
  sources.cache = [&serve]() {
    const monitor::CacheFigures figures = serve.caches.figures();
    return monitor::CacheCounters{figures.hits(), figures.misses()};
  };
  sources.connections = [this]() { return static_cast<std::int64_t>(http_->open_connections()); };
  serve.open_connections = sources.connections;
  serve.max_connections = options_.http.limits.max_connections;
  monitor::MonitorOptions monitor_options;
  monitor_options.retention_seconds = options_.history_seconds;
  monitor_options.proc_root = options_.proc_root;
  if (options_.monitor_interval.count() > 0) monitor_options.interval = options_.monitor_interval;
  state_->monitor =
      std::make_unique<monitor::Monitor>(sources, monitor_options, state_->alerts.get());
  serve.monitor = state_->monitor.get();
  add_v2_routes(state_->router, state_->serve);
  add_v1_routes(state_->router, state_->serve);
  add_api_routes(state_->router, state_->serve);
  if (options_.metrics) add_dashboard_routes(state_->router);
  // Paths of hone's own win; the rest go to the json upstream mounted there, if any.
  state_->router.set_fallback([&serve](http::Request& request, http::Responder& responder) {
    ApiPipeline* api = serve.api_for(request.path());
    if (api == nullptr) return false;
    if (serve.auth != nullptr) {
      const AuthVerdict verdict = serve.auth->check(request, api->config());
      if (verdict.status != 200) {
        api->refuse(Authenticator::refusal(verdict), request, std::move(responder));
        return true;
      }
    }
    api->handle(request, std::move(responder), serve.admission);
    return true;
  });
  HostGuard guard(options_.http.host, options_.allowed_hosts);
  http_ = std::make_unique<http::Server>(
      options_.http, [router = &state_->router, guard = std::move(guard)](
                         http::Request& request, http::Responder responder) {
        if (!guard.allows(request.path(), request.header("Host"))) {
          responder.send(http::error_response(
              403, "Host '" + std::string(HostGuard::name_of(request.header("Host"))) +
                       "' may not read this server's monitoring and admin paths (it listens on "
                       "loopback); allow the name with --allowed-host"));
          return;
        }
        router->handle(request, std::move(responder));
      });
}

PredictionServer::~PredictionServer() { stop(); }

Status PredictionServer::start() {
  if (auto s = state_->lifecycle->adopt(*state_->serve.initial); !s) return s;
  if (state_->serve.auth == nullptr) {
    for (const Metered& served : state_->serve.metered()) {
      if (served.config->auth == model::AuthPolicy::required) {
        return fail("model '" + served.config->name +
                    "' has auth: required, but the server has no credentials to check "
                    "(--api-keys, --jwt-secret-file, --jwt-key or --jwt-jwks)");
      }
    }
  }
  if (auto s = http_->start(); !s) return s;  // live (and answering "not ready") from here
  const auto warmup_start = SteadyClock::now();
  for (const auto& model : state_->serve.initial->models()) {
    if (auto warmed = serve::warm_up(*model); !warmed) {
      // An upstream may start after hone does: it is warmed by its first requests instead, and
      // readiness follows its health check.
      if (model->backend->capabilities().remote) {
        spdlog::warn("{} (serving anyway)", warmed.error().message);
        continue;
      }
      stop();
      return warmed.error();
    }
  }
  warmup_ = SteadyClock::now() - warmup_start;
  state_->serve.ready = true;
  ready_ = SteadyClock::now() - options_.started;
  Milestones& milestones = state_->serve.milestones;
  milestones.warmup_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(warmup_).count();
  milestones.ready_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(ready_).count();
  if (options_.metrics && options_.monitor_interval.count() > 0) state_->monitor->start();
  state_->lifecycle->start();
  return {};
}

monitor::Monitor& PredictionServer::monitor() { return *state_->monitor; }

const monitor::ModelMetrics* PredictionServer::metrics(const std::string& model) const {
  for (const Metered& served : state_->serve.metered()) {
    if (served.config->name == model) return served.metrics;
  }
  return nullptr;
}

StartupTimes PredictionServer::startup_times() const {
  StartupTimes times;
  times.warmup = warmup_;
  times.ready = ready_;
  times.first_prediction =
      std::chrono::nanoseconds(state_->serve.milestones.first_prediction_ns.load());
  return times;
}

std::optional<RedisStats> PredictionServer::redis_stats() const {
  if (!state_->serve.caches.l2) return std::nullopt;
  return state_->serve.caches.l2->stats();
}

CacheStats PredictionServer::cache_stats() const { return state_->serve.caches.l1.stats(); }
std::int64_t PredictionServer::coalesced() const {
  return state_->serve.caches.figures().coalesced;
}

}  // namespace hone::serve
