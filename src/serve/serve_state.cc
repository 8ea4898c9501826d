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

http::Response error_from_outcome(const JobOutcome& outcome) {
  http::Response response = http::error_response(outcome.status, outcome.error);
  if (outcome.status == 503) response.headers.push_back({"Retry-After", "1"});
  return response;
}

}  // namespace hone::serve
