// The KServe/Triton model repository extension's index: GET or POST /v2/repository/index lists
// every served model with its version and state (READY, or UNAVAILABLE with the reason); a POST
// body {"ready": true} lists only the ready ones.
#include <simdjson.h>

#include <string>

#include "core/json_writer.h"
#include "http/serialize.h"
#include "serve/serve_state.h"

namespace hone::serve {
namespace {

// Why a model cannot answer now; empty when it can.
std::string unavailable_because(const ServeState& state, const ModelPipeline& pipeline) {
  if (!state.ready.load()) return "the server is starting or draining";
  if (!pipeline.backend_ready())
    return "its backend is not ready (its upstream fails its health check)";
  return {};
}

void index(ServeState& state, http::Request& request, http::Responder responder) {
  bool ready_only = false;
  if (request.method == http::Method::kPost &&
      request.body.find_first_not_of(" \t\r\n") != std::string::npos) {
    auto root = parse_json_body(request.body, state.json);
    if (!root) {
      responder.send(error_from(root.error()));
      return;
    }
    simdjson::dom::object body;
    if (root->get_object().get(body) != simdjson::SUCCESS) {
      responder.send(http::error_response(400, "the index request must be a JSON object"));
      return;
    }
    simdjson::dom::element ready;
    if (body["ready"].get(ready) == simdjson::SUCCESS &&
        ready.get_bool().get(ready_only) != simdjson::SUCCESS) {
      responder.send(http::error_response(400, "'ready' must be true or false"));
      return;
    }
  }
  http::Response response;
  JsonWriter json(response.body);
  json.begin_array();
  for (const ModelPipeline* pipeline : state.all()) {
    const std::string reason = unavailable_because(state, *pipeline);
    if (ready_only && !reason.empty()) continue;
    const auto& config = pipeline->model().config;
    json.begin_object();
    json.key("name").value(config.name);
    json.key("version").value(config.version);
    json.key("state").value(reason.empty() ? "READY" : "UNAVAILABLE");
    json.key("reason").value(reason);
    json.end_object();
  }
  json.end_array();
  responder.send(std::move(response));
}

}  // namespace

void add_repository_routes(Router& router, ServeState& state) {
  for (const auto method : {http::Method::kGet, http::Method::kPost}) {
    router.add(method, "/v2/repository/index",
               [&state](http::Request& request, const PathParams&, http::Responder responder) {
                 index(state, request, std::move(responder));
               });
  }
}

}  // namespace hone::serve
