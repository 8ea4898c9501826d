// One json upstream's path (backend http, protocol json): requests reach it at the upstream's
// own paths (under its mount, when it has one) and are forwarded as they are. Predictions go
// through the same caches as a model's: the key is the canonical request (see
// api_forwarding.h), then L1 → coalescing → L2 → a call from the upstream's pool of connections
// → the upstream's answer, stored when it may be. Proxied requests are forwarded unchanged,
// refused ones answered 403. Each stage stamps the request's trace like a model's pipeline.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.h"
#include "http/server.h"
#include "http/url.h"
#include "model/repository.h"
#include "model/upstream/upstream_client.h"
#include "monitor/model_metrics.h"
#include "serve/admission.h"
#include "serve/call_pool.h"
#include "serve/json_input.h"
#include "serve/pipeline.h"

namespace hone::serve {

class ApiPipeline {
 public:
  ApiPipeline(const model::Api& api, SharedCaches& caches, Milestones& milestones, bool metrics,
              JsonLimits limits);
  ~ApiPipeline();
  ApiPipeline(const ApiPipeline&) = delete;
  ApiPipeline& operator=(const ApiPipeline&) = delete;

  const model::ModelConfig& config() const { return api_.config; }
  // Whether `path` is under this upstream's mount.
  bool claims(std::string_view path) const;
  // The health path's last answer (true without one).
  bool ready() const { return client_->healthy(); }
  monitor::ModelMetrics* metrics() { return metrics_.get(); }
  const monitor::ModelMetrics* metrics() const { return metrics_.get(); }

  // A request whose path it claims, counted under the server's bound on requests in flight
  // (--max-in-flight) until it is answered; at the bound, 503 with Retry-After at once.
  void handle(http::Request& request, http::Responder responder, AdmissionLimit& server);
  // Answers a request refused before it was handled (credentials), counted in the metrics.
  void refuse(http::Response answer, const http::Request& request, http::Responder responder);
  // Refuses new calls; requests waiting for a connection answer 503.
  void stop();

 private:
  struct Flight;
  using FlightPtr = std::shared_ptr<Flight>;

  // The path the upstream sees (after the mount; "/" when nothing is left), and with its URL's
  // path in front and the query behind.
  std::string_view upstream_path(const http::Request& request) const;
  std::string target_of(const http::Request& request, std::string_view path) const;
  void predict(http::Request& request, std::string target, std::optional<CacheKey> key,
               http::Responder responder, AdmissionTicket ticket);
  std::string busy_message() const;
  void proxy(http::Request& request, std::string target, http::Responder responder,
             AdmissionTicket ticket);
  void lookup_redis(const FlightPtr& flight);
  void call(const FlightPtr& flight);
  void complete(const FlightPtr& flight, const ApiOutcome& outcome);

  const model::Api& api_;
  SharedCaches& caches_;
  Milestones& milestones_;
  JsonLimits limits_;
  std::string base_path_;  // the upstream URL's path, without a trailing '/'
  std::unique_ptr<model::UpstreamClient> client_;
  std::unique_ptr<monitor::ModelMetrics> metrics_;
  CallPool pool_;
};

}  // namespace hone::serve
