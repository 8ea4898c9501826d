// KServe v2 / Open Inference Protocol routes.
#include <string>

#include "core/json_writer.h"
#include "core/version.h"
#include "http/compression.h"
#include "http/serialize.h"
#include "serve/serve_state.h"
#include "serve/v2_codec.h"

namespace hone::serve {
namespace {

http::Response json_response(std::string body) {
  http::Response response;
  response.body = std::move(body);
  return response;
}

http::Response flag_response(const char* key, bool value) {
  http::Response response;
  response.status = value ? 200 : 503;
  JsonWriter(response.body).begin_object().key(key).value(value).end_object();
  return response;
}

void server_metadata(const ServeState& state, http::Request& request, http::Responder responder) {
  std::string body;
  JsonWriter json(body);
  json.begin_object();
  json.key("name").value("hone");
  json.key("version").value(kVersion);
  json.key("extensions").begin_array();
  if (state.metrics_enabled) json.value("statistics");
  json.value("model_repository");
  json.end_array();
  json.end_object();
  http::Response response = json_response(std::move(body));
  http::apply_etag(request, response);
  responder.send(std::move(response));
}

}  // namespace

void add_v2_routes(Router& router, ServeState& state) {
  using http::Method;
  add_stats_routes(router, state);
  add_repository_routes(router, state);
  router.add(Method::kGet, "/v2",
             [&state](http::Request& request, const PathParams&, http::Responder responder) {
               server_metadata(state, request, std::move(responder));
             });
  router.add(Method::kGet, "/v2/health/live",
             [](http::Request&, const PathParams&, http::Responder responder) {
               responder.send(flag_response("live", true));
             });
  router.add(Method::kGet, "/v2/health/ready",
             [&state](http::Request&, const PathParams&, http::Responder responder) {
               responder.send(flag_response("ready", state.all_ready()));
             });

  const auto metadata = [&state](http::Request& request, const PathParams& params,
                                 http::Responder responder) {
    http::Response response;
    const auto pipeline = state.resolve(params, response);
    if (pipeline != nullptr) {
      std::vector<std::string> versions;
      for (const auto& loaded : state.all()) {
        if (loaded->model().config.name == pipeline->model().config.name) {
          versions.push_back(loaded->model().config.version);
        }
      }
      encode_v2_model_metadata(pipeline->model(), response.body, versions);
      http::apply_etag(request, response);
    }
    responder.send(std::move(response));
  };
  const auto model_ready = [&state](http::Request&, const PathParams& params,
                                    http::Responder responder) {
    http::Response response;
    const auto pipeline = state.resolve(params, response);
    if (pipeline == nullptr) {
      responder.send(std::move(response));
      return;
    }
    responder.send(flag_response("ready", state.ready.load() && pipeline->backend_ready()));
  };
  const auto infer = [&state](http::Request& request, const PathParams& params,
                              http::Responder responder) {
    decode_and_serve(
        state, request, params, std::move(responder),
        [&state](const ModelPipeline& pipeline, http::Request& asked) {
          return decode_v2_infer(asked.body, pipeline.model(), state.json);
        },
        encode_v2_infer);
  };
  for (const char* prefix : {"/v2/models/{model}", "/v2/models/{model}/versions/{version}"}) {
    const std::string base(prefix);
    router.add(Method::kGet, base, metadata);
    router.add(Method::kGet, base + "/ready", model_ready);
    router.add(Method::kPost, base + "/infer", infer);
  }
}

}  // namespace hone::serve
