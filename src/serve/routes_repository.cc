// The KServe/Triton model repository extension. GET or POST /v2/repository/index lists every
// model of the repository: each loaded version with its state (READY, or UNAVAILABLE with the
// reason), and each model not loaded with why; a POST body {"ready": true} lists only the ready
// ones. POST /v2/repository/models/{m}/load and /unload (admin token) load a model's versions as
// its folder holds them now and unload it, with --model-control explicit.
#include <simdjson.h>

#include <string>

#include "core/json_writer.h"
#include "http/serialize.h"
#include "serve/model_lifecycle.h"
#include "serve/serve_state.h"

namespace hone::serve {
namespace {

// Why a loaded model cannot answer now; empty when it can.
std::string unavailable_because(const ServeState& state, const ModelPipeline& pipeline) {
  if (!state.ready.load()) return "the server is starting or draining";
  if (!pipeline.backend_ready())
    return "its backend is not ready (its upstream fails its health check)";
  return {};
}

// An empty body, or a JSON object (its members are looked at by `read`); false when it answered.
template <typename Read>
bool read_body(ServeState& state, http::Request& request, http::Responder& responder, Read read) {
  if (request.body.find_first_not_of(" \t\r\n") == std::string::npos) return true;
  auto root = parse_json_body(request.body, state.json);
  if (!root) {
    responder.send(error_from(root.error()));
    return false;
  }
  simdjson::dom::object body;
  if (root->get_object().get(body) != simdjson::SUCCESS) {
    responder.send(http::error_response(400, "the request body must be a JSON object"));
    return false;
  }
  if (const std::string problem = read(body); !problem.empty()) {
    responder.send(http::error_response(400, problem));
    return false;
  }
  return true;
}

void index(ServeState& state, http::Request& request, http::Responder responder) {
  bool ready_only = false;
  if (request.method == http::Method::kPost &&
      !read_body(state, request, responder, [&ready_only](simdjson::dom::object body) {
        simdjson::dom::element ready;
        if (body["ready"].get(ready) == simdjson::SUCCESS &&
            ready.get_bool().get(ready_only) != simdjson::SUCCESS) {
          return std::string("'ready' must be true or false");
        }
        return std::string();
      })) {
    return;
  }
  http::Response response;
  JsonWriter json(response.body);
  json.begin_array();
  for (const IndexEntry& entry : state.lifecycle->index()) {
    const std::string reason =
        entry.pipeline ? unavailable_because(state, *entry.pipeline) : entry.reason;
    if (ready_only && !reason.empty()) continue;
    json.begin_object();
    json.key("name").value(entry.name);
    if (!entry.version.empty()) json.key("version").value(entry.version);
    json.key("state").value(reason.empty() ? "READY" : "UNAVAILABLE");
    json.key("reason").value(reason);
    json.end_object();
  }
  json.end_array();
  responder.send(std::move(response));
}

// Load and unload answer once the lifecycle's thread has done it: 200 {} or the error.
void change(ServeState& state, http::Request& request, const PathParams& params,
            http::Responder responder, bool load) {
  if (!require_admin(state, request, responder)) return;
  if (state.lifecycle->control() != ModelControl::kExplicit) {
    responder.send(http::error_response(
        400, std::string("models are loaded and unloaded by request only with --model-control "
                         "explicit; this server runs with --model-control ") +
                 model_control_name(state.lifecycle->control())));
    return;
  }
  // Triton's parameters (a config to load with, unload_dependents) are not supported.
  if (!read_body(state, request, responder, [](simdjson::dom::object body) {
        for (const auto field : body) {
          return "'" + std::string(field.key) + "' is not supported here: send {} or no body";
        }
        return std::string();
      })) {
    return;
  }
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  auto done = [answer](const Status& status) {
    if (!status) return answer->send(error_from(status.error()));
    http::Response ok;
    ok.body = "{}";
    answer->send(std::move(ok));
  };
  const std::string& name = params.get("model");
  if (load) {
    state.lifecycle->load(name, std::move(done));
  } else {
    state.lifecycle->unload(name, std::move(done));
  }
}

}  // namespace

void add_repository_routes(Router& router, ServeState& state) {
  for (const auto method : {http::Method::kGet, http::Method::kPost}) {
    router.add(method, "/v2/repository/index",
               [&state](http::Request& request, const PathParams&, http::Responder responder) {
                 index(state, request, std::move(responder));
               });
  }
  for (const bool load : {true, false}) {
    router.add(http::Method::kPost,
               load ? "/v2/repository/models/{model}/load" : "/v2/repository/models/{model}/unload",
               [&state, load](http::Request& request, const PathParams& params,
                              http::Responder responder) {
                 change(state, request, params, std::move(responder), load);
               });
  }
}

}  // namespace hone::serve
