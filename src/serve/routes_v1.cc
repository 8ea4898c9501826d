// TF-Serving style REST route: POST /v1/models/{m}[/versions/{v}]:predict.
#include "http/serialize.h"
#include "serve/serve_state.h"
#include "serve/v1_codec.h"

namespace hone::serve {

void add_v1_routes(Router& router, ServeState& state) {
  const auto predict = [&state](http::Request& request, const PathParams& params,
                                http::Responder responder) {
    decode_and_serve(
        state, request, params, std::move(responder),
        [&](const model::Model& model) {
          return decode_v1_predict(request.body, model, state.feature_index.at(&model), state.json);
        },
        [](const model::Model& model, const InferRequest& decoded, std::span<const float> outputs,
           std::string& out) { encode_v1_predictions(model, decoded.row_count, outputs, out); });
  };
  router.add(http::Method::kPost, "/v1/models/{model}:predict", predict);
  router.add(http::Method::kPost, "/v1/models/{model}/versions/{version}:predict", predict);
}

}  // namespace hone::serve
