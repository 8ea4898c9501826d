// TF-Serving style REST routes: POST /v1/models/{m}[/versions/{v}]:predict, and GET of the
// model's status (/v1/models/{m}[/versions/{v}]) and metadata (.../metadata).
#include <string>

#include "http/compression.h"
#include "http/serialize.h"
#include "serve/serve_state.h"
#include "serve/v1_codec.h"

namespace hone::serve {

void add_v1_routes(Router& router, ServeState& state) {
  const auto predict = [&state](http::Request& request, const PathParams& params,
                                http::Responder responder) {
    decode_and_serve(
        state, request, params, std::move(responder),
        [&state](const ModelPipeline& pipeline, http::Request& asked) {
          return decode_v1_predict(asked.body, pipeline.model(), pipeline.features(), state.json);
        },
        [](const model::Model& model, const InferRequest& decoded, std::span<const float> outputs,
           std::string& out) { encode_v1_predictions(model, decoded, outputs, out); });
  };
  const auto status = [&state](http::Request&, const PathParams& params,
                               http::Responder responder) {
    http::Response response;
    if (const auto pipeline = state.resolve(params, response)) {
      const auto state_name = v1_model_state(state.ready.load() && pipeline->backend_ready(),
                                             state.milestones.ready_ns.load() >= 0);
      encode_v1_model_status(pipeline->model(), state_name, response.body);
    }
    responder.send(std::move(response));
  };
  const auto metadata = [&state](http::Request& request, const PathParams& params,
                                 http::Responder responder) {
    http::Response response;
    if (const auto pipeline = state.resolve(params, response)) {
      encode_v1_model_metadata(pipeline->model(), response.body);
      http::apply_etag(request, response);
    }
    responder.send(std::move(response));
  };
  for (const char* base : {"/v1/models/{model}", "/v1/models/{model}/versions/{version}"}) {
    router.add(http::Method::kGet, base, status);
    router.add(http::Method::kGet, std::string(base) + "/metadata", metadata);
  }
  router.add(http::Method::kPost, "/v1/models/{model}:predict", predict);
  router.add(http::Method::kPost, "/v1/models/{model}/versions/{version}:predict", predict);
}

}  // namespace hone::serve
