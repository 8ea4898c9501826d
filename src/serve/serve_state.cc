#include "serve/serve_state.h"

#include "http/serialize.h"
#include "serve/model_lifecycle.h"

namespace hone::serve {

std::shared_ptr<monitor::ModelMetrics> MetricsByModel::of(const std::string& model) {
  const std::lock_guard lock(mutex_);
  auto& metrics = metrics_[model];
  if (!metrics) metrics = std::make_shared<monitor::ModelMetrics>(model);
  return metrics;
}

std::shared_ptr<ModelPipeline> ServeState::resolve(const PathParams& params,
                                                   http::Response& not_found) const {
  const std::string& name = params.get("model");
  const std::string& version = params.get("version");
  const auto snapshot = table.current();
  if (auto pipeline = find_pipeline(*snapshot, name, version)) return pipeline;
  if (snapshot->count(name) != 0) {
    not_found = http::error_response(404, "model '" + name + "' has no version '" + version + "'" +
                                              (lifecycle != nullptr ? " loaded" : ""));
  } else if (lifecycle != nullptr && lifecycle->knows(name)) {
    not_found = http::error_response(
        404, "model '" + name + "' is not loaded" + lifecycle->how_to_load(name));
  } else {
    not_found = http::error_response(404, "unknown model '" + name + "'");
  }
  return nullptr;
}

bool load_for(ServeState& state, const PathParams& params, http::Request& request,
              http::Responder& responder,
              std::function<void(http::Request&, http::Responder)> retry) {
  const std::string& name = params.get("model");
  if (state.lifecycle == nullptr || !state.lifecycle->loads_on_demand(name)) return false;
  // The request waits for the load as a copy (the server reuses its own); a cold model's first
  // requests are the only ones that wait.
  auto waiting =
      std::make_shared<std::pair<http::Request, http::Responder>>(request, std::move(responder));
  state.lifecycle->when_loaded(name, [waiting, retry = std::move(retry)](const Status& loaded) {
    if (!loaded) {
      waiting->second.send(error_from(loaded.error()));
      return;
    }
    retry(waiting->first, std::move(waiting->second));
  });
  return true;
}

bool ServeState::all_ready() const {
  if (!ready.load()) return false;
  for (const auto& pipeline : all()) {
    if (!pipeline->backend_ready()) return false;
  }
  for (const auto& api : apis) {
    if (!api->ready()) return false;
  }
  return true;
}

std::vector<Metered> ServeState::metered() const {
  std::vector<Metered> out;
  const std::shared_ptr<const ModelSnapshot> now = table.current();  // held while looping
  for (const auto& [name, versions] : *now) {
    const std::shared_ptr<const ModelPipeline> pipeline = versions.back();
    out.push_back({&pipeline->model().config, pipeline->metrics(), pipeline->model().backend_choice,
                   &pipeline->admission(), pipeline});
  }
  for (const auto& api : apis)
    out.push_back({&api->config(), api->metrics(), {}, nullptr, nullptr});
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

std::vector<std::shared_ptr<ModelPipeline>> ServeState::all() const {
  std::vector<std::shared_ptr<ModelPipeline>> out;
  const std::shared_ptr<const ModelSnapshot> now = table.current();  // held while looping
  for (const auto& [name, versions] : *now) {
    out.insert(out.end(), versions.begin(), versions.end());
  }
  return out;
}

http::Response error_from(const Error& error) {
  return http::error_response(error.code >= 400 ? error.code : 500, error.message);
}

}  // namespace hone::serve
