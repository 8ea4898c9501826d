// The KServe/Triton statistics extension: GET /v2/models/stats and
// /v2/models/{m}[/versions/{v}]/stats, in Triton's JSON, from each model's exact totals.
#include "core/json_writer.h"
#include "http/serialize.h"
#include "serve/serve_state.h"

namespace hone::serve {
namespace {

void write_total(JsonWriter& json, const char* name, std::int64_t count, std::int64_t ns) {
  json.key(name).begin_object().key("count").value(count).key("ns").value(ns).end_object();
}

void write_total(JsonWriter& json, const char* name, const monitor::TimeTotal& total) {
  write_total(json, name, total.count, total.ns);
}

void write_model_stats(JsonWriter& json, const model::Model& model,
                       const monitor::ModelMetrics& metrics) {
  const monitor::RequestTotals requests = metrics.request_totals();
  const monitor::ExecutionTotals executions = metrics.execution_totals();
  json.begin_object();
  json.key("name").value(model.config.name);
  json.key("version").value(model.config.version);
  json.key("last_inference").value(executions.last_inference_ms);
  json.key("inference_count").value(executions.inferences);
  json.key("execution_count").value(executions.executions);
  json.key("inference_stats").begin_object();
  write_total(json, "success", requests.success);
  write_total(json, "fail", requests.fail);
  write_total(json, "queue", requests.queue);
  write_total(json, "compute_input", requests.compute_input);
  write_total(json, "compute_infer", requests.compute_infer);
  write_total(json, "compute_output", requests.compute_output);
  write_total(json, "cache_hit", requests.cache_hit);
  write_total(json, "cache_miss", requests.cache_miss);
  json.end_object();
  json.key("batch_stats").begin_array();
  for (const auto& [rows, total] : executions.by_rows) {
    json.begin_object();
    json.key("batch_size").value(static_cast<std::int64_t>(rows));
    write_total(json, "compute_input", total.count, total.gather_ns);
    write_total(json, "compute_infer", total.count, total.compute_ns);
    write_total(json, "compute_output", total.count, total.scatter_ns);
    json.end_object();
  }
  json.end_array();
  json.key("memory_usage").begin_array().end_array();
  json.end_object();
}

void answer(const ServeState& state, const std::vector<std::shared_ptr<ModelPipeline>>& pipelines,
            http::Responder& responder) {
  if (!state.metrics_enabled) {
    responder.send(
        http::error_response(404, "statistics are off: this server was started with --no-metrics"));
    return;
  }
  http::Response response;
  JsonWriter json(response.body);
  json.begin_object().key("model_stats").begin_array();
  for (const auto& pipeline : pipelines)
    write_model_stats(json, pipeline->model(), *pipeline->metrics());
  json.end_array().end_object();
  responder.send(std::move(response));
}

}  // namespace

void add_stats_routes(Router& router, ServeState& state) {
  using http::Method;
  router.add(Method::kGet, "/v2/models/stats",
             [&state](http::Request&, const PathParams&, http::Responder responder) {
               answer(state, state.all(), responder);
             });
  const auto one = [&state](http::Request&, const PathParams& params, http::Responder responder) {
    http::Response not_found;
    const auto pipeline = state.resolve(params, not_found);
    if (pipeline == nullptr) {
      responder.send(std::move(not_found));
      return;
    }
    answer(state, {pipeline}, responder);
  };
  router.add(Method::kGet, "/v2/models/{model}/stats", one);
  router.add(Method::kGet, "/v2/models/{model}/versions/{version}/stats", one);
}

}  // namespace hone::serve
