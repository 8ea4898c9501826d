#include "serve/serve_state.h"

#include "http/serialize.h"

namespace hone::serve {

ModelPipeline* ServeState::resolve(const PathParams& params, http::Response& not_found) const {
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
  return pipelines.at(model).get();
}

bool ServeState::all_ready() const {
  if (!ready.load()) return false;
  for (const auto& [model, pipeline] : pipelines) {
    if (!pipeline->backend_ready()) return false;
  }
  for (const auto& api : apis) {
    if (!api->ready()) return false;
  }
  return true;
}

std::vector<Metered> ServeState::metered() const {
  std::vector<Metered> out;
  for (const ModelPipeline* pipeline : all()) {
    out.push_back({&pipeline->model().config, pipeline->metrics(), pipeline->model().backend_choice,
                   &pipeline->admission()});
  }
  for (const auto& api : apis) out.push_back({&api->config(), api->metrics(), {}});
  return out;
}

ApiPipeline* ServeState::api_for(std::string_view path) const {
  ApiPipeline* best = nullptr;
  for (const auto& api : apis) {
    if (api->claims(path) && (best == nullptr || api->config().upstream.mount.size() >
                                                     best->config().upstream.mount.size())) {
      best = api.get();
    }
  }
  return best;
}

std::vector<ModelPipeline*> ServeState::all() const {
  std::vector<ModelPipeline*> out;
  for (const model::Model* model : models->models()) out.push_back(pipelines.at(model).get());
  return out;
}

http::Response error_from(const Error& error) {
  return http::error_response(error.code >= 400 ? error.code : 500, error.message);
}

}  // namespace hone::serve
