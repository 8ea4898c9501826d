// The operator's API: /metrics (Prometheus), /api/performance (+ history and CSV export),
// /api/system, /api/cache (DELETE clears: admin), /api/models/{m}/warmup (admin), /api/alerts.
#include <spdlog/spdlog.h>

#include <cmath>
#include <string_view>

#include "core/json_writer.h"
#include "core/strings.h"
#include "core/units.h"
#include "http/serialize.h"
#include "monitor/cache_statistics.h"
#include "monitor/prometheus.h"
#include "serve/model_lifecycle.h"
#include "serve/serve_state.h"

namespace hone::serve {
namespace {

using monitor::Labels;

http::Response json(std::string body) {
  http::Response response;
  response.body = std::move(body);
  return response;
}

// ?window=5m (default 5m), bounded by what the history keeps.
Result<std::size_t> window_seconds(const http::Request& request, std::size_t capacity) {
  std::string_view text = "5m";
  for (const auto part : split(request.query(), '&')) {
    if (starts_with(part, "window=")) text = part.substr(7);
  }
  auto duration = parse_duration(text);
  if (!duration) return fail("window: " + duration.error().message, 400);
  const auto seconds =
      static_cast<std::size_t>(std::max<std::int64_t>(1, duration->count() / 1'000'000));
  return std::min(seconds, capacity);
}

bool applies(const monitor::CacheStatistic& statistic, const monitor::CacheFigures& figures) {
  return statistic.layer != monitor::CacheStatistic::Layer::kL2 || figures.has_l2;
}

// /api/cache: every statistic with a key, in its layer's object.
void write_cache(JsonWriter& json, const ServeState& state) {
  using Layer = monitor::CacheStatistic::Layer;
  const monitor::CacheFigures figures = state.caches.figures();
  const auto write = [&](Layer layer) {
    for (const auto& statistic : monitor::kCacheStatistics) {
      if (statistic.layer != layer || statistic.key == nullptr) continue;
      const double value = statistic.value(figures);
      json.key(statistic.key);
      if (statistic.flag) {
        json.value(value != 0);
      } else if (value == std::floor(value) && std::fabs(value) < 9e15) {
        json.value(static_cast<std::int64_t>(value));
      } else {
        json.value(value);
      }
    }
  };
  json.begin_object();
  json.key("l1").begin_object();
  write(Layer::kL1);
  json.end_object();
  if (figures.has_l2) {
    json.key("l2").begin_object();
    write(Layer::kL2);
    json.end_object();
  }
  write(Layer::kWhole);
  json.end_object();
}

// /metrics: every statistic with a metric, each family's samples together.
void write_cache_metrics(monitor::PromWriter& w, const ServeState& state) {
  const monitor::CacheFigures figures = state.caches.figures();
  const auto& all = monitor::kCacheStatistics;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const char* metric = all[i].metric;
    if (metric == nullptr || !applies(all[i], figures)) continue;
    bool seen = false;  // the family was written with an earlier statistic
    for (std::size_t j = 0; j < i; ++j) {
      seen |= all[j].metric != nullptr && std::string_view(all[j].metric) == metric &&
              applies(all[j], figures);
    }
    if (seen) continue;
    w.family(metric, all[i].type, all[i].help);
    for (std::size_t j = i; j < all.size(); ++j) {
      const auto& statistic = all[j];
      if (statistic.metric == nullptr || std::string_view(statistic.metric) != metric ||
          !applies(statistic, figures)) {
        continue;
      }
      monitor::Labels labels;
      if (statistic.layer != monitor::CacheStatistic::Layer::kWhole) {
        labels.push_back(
            {"layer", statistic.layer == monitor::CacheStatistic::Layer::kL1 ? "l1" : "l2"});
      }
      if (statistic.label != nullptr) {
        const std::string_view label = statistic.label;
        const auto eq = label.find('=');
        labels.push_back({std::string(label.substr(0, eq)), std::string(label.substr(eq + 1))});
      }
      w.sample(metric, labels, statistic.value(figures));
    }
  }
}

void write_stage(JsonWriter& json, const char* name, const monitor::LogHistogram& histogram) {
  const auto snapshot = histogram.snapshot();
  json.key(name).begin_object();
  json.key("count").value(static_cast<std::uint64_t>(snapshot.count));
  json.key("mean").value(snapshot.count ? static_cast<double>(snapshot.sum) /
                                              static_cast<double>(snapshot.count) / 1000
                                        : 0.0);
  json.key("p50").value(snapshot.percentile(50) / 1000);
  json.key("p95").value(snapshot.percentile(95) / 1000);
  json.key("p99").value(snapshot.percentile(99) / 1000);
  json.end_object();
}

void performance(const ServeState& state, http::Responder responder) {
  std::string body;
  JsonWriter out(body);
  out.begin_object();
  const Milestones& milestones = state.milestones;
  const auto uptime =
      std::chrono::duration<double>(SteadyClock::now() - milestones.started).count();
  out.key("uptime_s").value(uptime);
  out.key("startup_ms").begin_object();
  out.key("ready").value(static_cast<double>(milestones.ready_ns.load()) / 1e6);
  out.key("warmup").value(static_cast<double>(milestones.warmup_ns.load()) / 1e6);
  const auto first = milestones.first_prediction_ns.load();
  if (first >= 0) out.key("first_prediction").value(static_cast<double>(first) / 1e6);
  out.end_object();
  const AdmissionStats admission = state.admission.stats();
  out.key("in_flight").begin_object();
  out.key("now").value(admission.in_flight);
  out.key("bound").value(admission.bound);
  out.key("refused").value(admission.refused);
  out.end_object();
  std::string latest;
  monitor::write_second_json(state.monitor->latest(), latest);
  out.key("latest").raw(latest);
  out.key("models").begin_array();
  for (const Metered& served : state.metered()) {
    const model::ModelConfig& config = *served.config;
    const auto& metrics = *served.metrics;
    out.begin_object();
    out.key("name").value(config.name);
    out.key("backend").value(config.backend);
    if (!served.backend_choice.empty()) {
      out.key("backend_choice")
          .value(std::string("auto chose ") + std::string(served.backend_choice));
    }
    if (config.backend == model::kUpstreamBackend) {
      out.key("protocol").value(config.upstream.protocol);
    }
    out.key("batching").value(config.batching.enabled);
    out.key("cache").value(config.cache.enabled);
    if (served.admission != nullptr && served.admission->bounded()) {
      const AdmissionStats a = served.admission->stats();
      out.key("admission").begin_object();
      out.key("adaptive").value(served.admission->adaptive());
      out.key("bound").value(a.bound);
      out.key("in_flight").value(a.in_flight);
      out.key("refused").value(a.refused);
      if (served.admission->adaptive()) {
        out.key("no_load_latency_ms").value(static_cast<double>(a.no_load_latency.count()) / 1e6);
      }
      out.end_object();
    }
    out.key("requests").value(metrics.requests());
    out.key("failures").value(metrics.failures());
    out.key("pending").value(metrics.pending());
    out.key("statuses").begin_object();
    for (const auto& [status, count] : metrics.statuses()) {
      out.key(status == 0 ? std::string("other") : std::to_string(status)).value(count);
    }
    out.end_object();
    out.key("latency_ms").begin_object();
    write_stage(out, "total", metrics.e2e_us);
    for (std::size_t i = 0; i < monitor::kStageCount; ++i) {
      const auto stage = static_cast<monitor::Stage>(i);
      write_stage(out, monitor::info_of(stage).name, metrics.stage_us(stage));
    }
    out.end_object();
    const auto batch = metrics.batch_rows.snapshot();
    out.key("batch_rows_mean")
        .value(batch.count ? static_cast<double>(batch.sum) / static_cast<double>(batch.count)
                           : 0.0);
    out.end_object();
  }
  out.end_array();
  out.key("cache");
  write_cache(out, state);
  out.key("alerts_firing").value(state.alerts != nullptr ? state.alerts->firing() : 0);
  out.end_object();
  responder.send(json(std::move(body)));
}

// The bounds on requests in flight: the server's (--max-in-flight) and each bounded model's.
void write_admission_metrics(monitor::PromWriter& w, const ServeState& state,
                             const std::vector<Metered>& served) {
  const AdmissionStats server = state.admission.stats();
  w.family("hone_server_in_flight", "gauge", "Predictions inside the server, all models.");
  w.sample("hone_server_in_flight", {}, static_cast<double>(server.in_flight));
  w.family("hone_server_in_flight_limit", "gauge",
           "The server's bound on predictions in flight (--max-in-flight); 0: none.");
  w.sample("hone_server_in_flight_limit", {}, static_cast<double>(server.bound));
  w.family("hone_server_admission_refused_total", "counter",
           "Predictions refused with 503 at the server's bound on predictions in flight.");
  w.sample("hone_server_admission_refused_total", {}, static_cast<double>(server.refused));
  w.family(
      "hone_model_in_flight_limit", "gauge",
      "A model's bound on requests in flight (admission), as it is now (adaptive bounds move).");
  for (const Metered& p : served) {
    if (p.admission == nullptr || !p.admission->bounded()) continue;
    w.sample("hone_model_in_flight_limit", {{"model", p.config->name}},
             static_cast<double>(p.admission->stats().bound));
  }
  w.family("hone_model_admission_refused_total", "counter",
           "Requests refused with 503 at their model's bound on requests in flight.");
  for (const Metered& p : served) {
    if (p.admission == nullptr || !p.admission->bounded()) continue;
    w.sample("hone_model_admission_refused_total", {{"model", p.config->name}},
             static_cast<double>(p.admission->stats().refused));
  }
}

// Models loaded and unloaded while serving (see model_lifecycle.h), and their memory.
void write_lifecycle_metrics(monitor::PromWriter& w, const LifecycleFigures& figures) {
  w.family("hone_model_loads_total", "counter",
           "Loads of a model's versions (at start, by request, by the poll, on a first request).");
  for (const auto& m : figures.models) {
    w.sample("hone_model_loads_total", {{"model", m.name}, {"outcome", "ok"}},
             static_cast<double>(m.loads));
    w.sample("hone_model_loads_total", {{"model", m.name}, {"outcome", "failed"}},
             static_cast<double>(m.failed_loads));
  }
  w.family("hone_model_unloads_total", "counter",
           "Unloads of a model's versions, by reason: request, memory (--model-memory), removed "
           "(its folder left the repository), replaced (by a newer version or files).");
  for (const auto& m : figures.models) {
    for (const auto& [reason, count] : m.unloads) {
      w.sample("hone_model_unloads_total", {{"model", m.name}, {"reason", reason}},
               static_cast<double>(count));
    }
  }
  w.family("hone_model_load_seconds", "gauge",
           "How long a model's last load took, reading its files and warming it up.");
  for (const auto& m : figures.models) {
    w.sample("hone_model_load_seconds", {{"model", m.name}}, m.last_load_seconds);
  }
  w.family("hone_model_memory_bytes", "gauge",
           "Memory of a model's loaded versions (what its engine holds, else its files' size).");
  for (const auto& m : figures.models) {
    w.sample("hone_model_memory_bytes", {{"model", m.name}}, static_cast<double>(m.memory_bytes));
  }
  w.family("hone_model_memory_limit_bytes", "gauge",
           "The budget for loaded models (--model-memory); 0: none.");
  w.sample("hone_model_memory_limit_bytes", {}, static_cast<double>(figures.memory_budget));
}

void prometheus(const ServeState& state, http::Responder responder) {
  http::Response response;
  response.content_type = "text/plain; version=0.0.4; charset=utf-8";
  std::string& text = response.body;
  monitor::PromWriter w(text);
  const auto served = state.metered();
  w.family("hone_requests_total", "counter", "Prediction requests answered, by model and status.");
  for (const Metered& p : served) {
    for (const auto& [status, count] : p.metrics->statuses()) {
      w.sample(
          "hone_requests_total",
          {{"model", p.config->name}, {"status", status == 0 ? "other" : std::to_string(status)}},
          static_cast<double>(count));
    }
  }
  w.family("hone_request_duration_seconds", "histogram",
           "Time from a successful request's first byte to its answer written.");
  for (const Metered& p : served) {
    w.histogram("hone_request_duration_seconds", {{"model", p.config->name}},
                p.metrics->e2e_us.snapshot(), 1e6, std::uint64_t{1} << 26);
  }
  for (std::size_t i = 0; i < monitor::kStageCount; ++i) {
    const auto& stage = monitor::kStages[i];
    w.family(stage.metric, "histogram", stage.help);
    for (const Metered& p : served) {
      w.histogram(stage.metric, {{"model", p.config->name}},
                  p.metrics->stage_us(static_cast<monitor::Stage>(i)).snapshot(), 1e6,
                  std::uint64_t{1} << 26);
    }
  }
  w.family("hone_batch_rows", "histogram", "Rows in the backend call that served a request.");
  for (const Metered& p : served) {
    w.histogram("hone_batch_rows", {{"model", p.config->name}}, p.metrics->batch_rows.snapshot(), 1,
                65536);
  }
  w.family("hone_pending_requests", "gauge", "Prediction requests in flight.");
  for (const Metered& p : served) {
    w.sample("hone_pending_requests", {{"model", p.config->name}},
             static_cast<double>(p.metrics->pending()));
  }
  write_admission_metrics(w, state, served);
  write_lifecycle_metrics(w, state.lifecycle->figures());
  write_cache_metrics(w, state);
  w.family("hone_open_connections", "gauge", "Open client connections.");
  w.sample("hone_open_connections", {},
           static_cast<double>(state.open_connections ? state.open_connections() : 0));
  w.family("hone_connections_limit", "gauge",
           "The bound on open connections (--max-connections); at it, new ones wait. 0: none.");
  w.sample("hone_connections_limit", {}, static_cast<double>(state.max_connections));
  const monitor::Second latest = state.monitor->latest();
  const monitor::SystemSample& sys = latest.system;
  w.family("hone_process_cpu_seconds_total", "counter", "CPU time used by the process.");
  w.sample("hone_process_cpu_seconds_total", {}, sys.process_cpu_seconds);
  w.family("hone_process_resident_memory_bytes", "gauge", "Resident memory of the process.");
  w.sample("hone_process_resident_memory_bytes", {}, static_cast<double>(sys.rss_bytes));
  w.family("hone_process_open_fds", "gauge", "Open file descriptors.");
  w.sample("hone_process_open_fds", {}, static_cast<double>(sys.open_files));
  w.family("hone_process_threads", "gauge", "Threads of the process.");
  w.sample("hone_process_threads", {}, static_cast<double>(sys.threads));
  w.family("hone_process_disk_bytes_total", "counter",
           "Bytes the process read from and wrote to storage.");
  w.sample("hone_process_disk_bytes_total", {{"direction", "read"}},
           static_cast<double>(sys.disk_read_bytes));
  w.sample("hone_process_disk_bytes_total", {{"direction", "write"}},
           static_cast<double>(sys.disk_write_bytes));
  w.family("hone_machine_cpu_ratio", "gauge",
           "Share of the machine's CPU in use over the last second.");
  w.sample("hone_machine_cpu_ratio", {}, sys.machine_cpu_percent / 100);
  w.family("hone_machine_memory_bytes", "gauge", "Machine memory.");
  w.sample("hone_machine_memory_bytes", {{"kind", "total"}},
           static_cast<double>(sys.memory_total_bytes));
  w.sample("hone_machine_memory_bytes", {{"kind", "available"}},
           static_cast<double>(sys.memory_available_bytes));
  w.family("hone_machine_network_bytes_total", "counter",
           "Bytes through the machine's network interfaces (not loopback).");
  w.sample("hone_machine_network_bytes_total", {{"direction", "receive"}},
           static_cast<double>(sys.net_rx_bytes));
  w.sample("hone_machine_network_bytes_total", {{"direction", "transmit"}},
           static_cast<double>(sys.net_tx_bytes));
  w.family("hone_alerts_firing", "gauge", "Alert rules firing now.");
  w.sample("hone_alerts_firing", {},
           static_cast<double>(state.alerts != nullptr ? state.alerts->firing() : 0));
  w.family("hone_ready", "gauge", "1 when the server is ready for predictions.");
  w.sample("hone_ready", {}, state.all_ready() ? 1 : 0);
  responder.send(std::move(response));
}

}  // namespace

bool require_admin(const ServeState& state, const http::Request& request,
                   http::Responder& responder) {
  const std::string_view given = http::bearer_token(request.header("Authorization"));
  if (!state.admin_token.empty() && constant_time_equals(given, state.admin_token)) return true;
  auto response = http::error_response(
      401, state.admin_token.empty()
               ? "admin calls are disabled: start hone serve with --admin-token-file, "
                 "HONE_ADMIN_TOKEN or --admin-token"
               : "this call needs the admin token (Authorization: Bearer TOKEN)");
  response.headers.push_back({"WWW-Authenticate", "Bearer"});
  responder.send(std::move(response));
  return false;
}

void add_api_routes(Router& router, ServeState& state) {
  using http::Method;
  router.add(Method::kGet, "/api/cache",
             [&state](http::Request&, const PathParams&, http::Responder responder) {
               std::string body;
               JsonWriter out(body);
               write_cache(out, state);
               responder.send(json(std::move(body)));
             });
  router.add(Method::kDelete, "/api/cache",
             [&state](http::Request& request, const PathParams&, http::Responder responder) {
               if (!require_admin(state, request, responder)) return;
               const auto before = state.caches.l1.stats().entries;
               state.caches.l1.clear();
               spdlog::info("response cache cleared by an admin call ({} {})", before,
                            before == 1 ? "entry" : "entries");
               std::string body;
               JsonWriter(body)
                   .begin_object()
                   .key("cleared")
                   .value(true)
                   .key("entries_removed")
                   .value(before)
                   .end_object();
               responder.send(json(std::move(body)));
             });
  router.add(
      Method::kPost, "/api/models/{model}/warmup",
      [&state](http::Request& request, const PathParams& params, http::Responder responder) {
        if (!require_admin(state, request, responder)) return;
        http::Response response;
        const auto pipeline = state.resolve(params, response);
        if (pipeline == nullptr) {
          responder.send(std::move(response));
          return;
        }
        const model::Model* model = &pipeline->model();
        const auto start = SteadyClock::now();
        const auto warmed = warm_up(*model);
        if (!warmed) {
          responder.send(http::error_response(500, warmed.error().message));
          return;
        }
        JsonWriter json(response.body);
        json.begin_object().key("model").value(model->config.name);
        json.key("rounds").value(model->config.warmup.rounds);
        json.key("rows").value(static_cast<std::uint64_t>(warmed->rows));
        json.key("warmup_ms")
            .value(std::chrono::duration<double, std::milli>(SteadyClock::now() - start).count());
        json.key("outputs").begin_array();  // the last round's, row-major: a sanity check
        for (const float value : warmed->outputs) json.value(value);
        json.end_array().end_object();
        responder.send(std::move(response));
      });
  if (!state.metrics_enabled) return;
  router.add(Method::kGet, "/metrics",
             [&state](http::Request&, const PathParams&, http::Responder responder) {
               prometheus(state, std::move(responder));
             });
  router.add(Method::kGet, "/api/performance",
             [&state](http::Request&, const PathParams&, http::Responder responder) {
               performance(state, std::move(responder));
             });
  router.add(Method::kGet, "/api/performance/history",
             [&state](http::Request& request, const PathParams&, http::Responder responder) {
               auto window = window_seconds(request, state.monitor->history().capacity());
               if (!window) {
                 responder.send(error_from(window.error()));
                 return;
               }
               std::string seconds;
               monitor::write_seconds_json(state.monitor->history().last(*window), seconds);
               std::string body;
               JsonWriter(body)
                   .begin_object()
                   .key("window_s")
                   .value(static_cast<std::uint64_t>(*window))
                   .key("seconds")
                   .raw(seconds)
                   .end_object();
               responder.send(json(std::move(body)));
             });
  router.add(Method::kGet, "/api/performance/export.csv",
             [&state](http::Request& request, const PathParams&, http::Responder responder) {
               auto window = window_seconds(request, state.monitor->history().capacity());
               if (!window) {
                 responder.send(error_from(window.error()));
                 return;
               }
               http::Response response;
               response.content_type = "text/csv; charset=utf-8";
               response.headers.push_back(
                   {"Content-Disposition", "attachment; filename=\"hone-performance.csv\""});
               monitor::write_seconds_csv(state.monitor->history().last(*window), response.body);
               responder.send(std::move(response));
             });
  router.add(Method::kGet, "/api/system",
             [&state](http::Request&, const PathParams&, http::Responder responder) {
               std::string body;
               monitor::write_system_json(state.monitor->latest(), body);
               responder.send(json(std::move(body)));
             });
  router.add(Method::kGet, "/api/alerts",
             [&state](http::Request&, const PathParams&, http::Responder responder) {
               std::string body;
               monitor::write_alerts_json(state.alerts->states(), body);
               responder.send(json(std::move(body)));
             });
}

}  // namespace hone::serve
