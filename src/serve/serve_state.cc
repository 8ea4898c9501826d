#include "serve/serve_state.h"

#include "http/serialize.h"

namespace hone::serve {

const model::Model* ServeState::resolve(const PathParams& params, http::Response& not_found) const {
  const std::string& name = params.get("model");
  const model::Model* model = models->find(name);
  if (model == nullptr) {
    not_found = http::error_response(404, "unknown model '" + name + "'");
    return nullptr;
  }
  const std::string& version = params.get("version");
  if (!version.empty() && version != model->config.version) {
    not_found = http::error_response(404, "model '" + name + "' has no version '" + version + "'");
    return nullptr;
  }
  return model;
}

http::Response error_from(const Error& error) {
  return http::error_response(error.code >= 400 ? error.code : 500, error.message);
}

Status run_model(const model::Model& model, const std::vector<float>& rows, std::size_t row_count,
                 std::vector<float>& outputs) {
  outputs.resize(row_count * static_cast<std::size_t>(model.output().row_width()));
  auto status = model.backend->predict(rows, row_count, outputs);
  if (!status) return fail("prediction failed: " + status.error().message, 500);
  return {};
}

}  // namespace hone::serve
