#include "serve/prediction_server.h"

#include <spdlog/spdlog.h>

#include "serve/router.h"
#include "serve/serve_state.h"

namespace hone::serve {

struct PredictionServer::State {
  ServeState serve;
  Router router;
};

PredictionServer::PredictionServer(ServeOptions options,
                                   std::shared_ptr<const model::ModelRepository> models)
    : options_(std::move(options)), state_(std::make_unique<State>()) {
  state_->serve.models = std::move(models);
  state_->serve.json = options_.json;
  state_->serve.cache = std::make_unique<ResponseCache>(options_.cache_bytes);
  for (const model::Model* model : state_->serve.models->models()) {
    state_->serve.feature_index.emplace(model, make_feature_index(*model));
    state_->serve.runners.emplace(model, make_runner(*model));
  }
  add_v2_routes(state_->router, state_->serve);
  add_v1_routes(state_->router, state_->serve);
  http_ = std::make_unique<http::Server>(
      options_.http, [router = &state_->router](http::Request& request, http::Responder responder) {
        router->handle(request, std::move(responder));
      });
}

PredictionServer::~PredictionServer() { stop(); }

Status PredictionServer::start() {
  if (auto s = http_->start(); !s) return s;
  state_->serve.ready = true;
  return {};
}

void PredictionServer::stop() {
  state_->serve.ready = false;
  http_->stop(options_.drain_timeout);
  // After the drain: queued requests were answered, or their connections are gone.
  for (auto& [model, runner] : state_->serve.runners) runner->stop();
}

std::uint16_t PredictionServer::port() const { return http_->port(); }
bool PredictionServer::ready() const { return state_->serve.ready.load(); }
CacheStats PredictionServer::cache_stats() const { return state_->serve.cache->stats(); }
std::int64_t PredictionServer::coalesced() const { return state_->serve.coalescer.coalesced(); }

}  // namespace hone::serve
