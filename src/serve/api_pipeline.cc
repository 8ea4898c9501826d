#include "serve/api_pipeline.h"

#include <spdlog/spdlog.h>

#include "core/strings.h"
#include "http/serialize.h"
#include "serve/api_forwarding.h"
#include "serve/canonical_json.h"

namespace hone::serve {
namespace {

using monitor::Path;
using monitor::Stage;

http::Response response_of(const StoredAnswer& answer) {
  http::Response response;
  response.status = answer.status;
  response.headers = answer.headers;
  // The upstream's type as it sent it (none when it sent none).
  response.content_type = {};
  if (!answer.content_type.empty() && http::status_has_body(answer.status)) {
    response.headers.push_back({"Content-Type", answer.content_type});
  }
  response.body = answer.body;
  return response;
}

const StoredAnswer& stored(const ApiOutcome& outcome) {
  return std::get<StoredAnswer>(*outcome.answer);
}

}  // namespace

// One prediction on its way through the pipeline.
struct ApiPipeline::Flight {
  explicit Flight(http::Responder r) : responder(std::move(r)) {}
  http::Responder responder;
  std::string method;
  std::string target;
  std::vector<http::Header> headers;  // as they go upstream
  std::string body;
  std::optional<CacheKey> key;         // with a cache
  std::shared_ptr<AnswerProbe> probe;  // null without metrics
  AdmissionTicket ticket;              // under the server's bound until the flight ends
  bool leader = false;
  SteadyClock::time_point joined;
  SteadyClock::time_point submitted;

  void mark(Stage stage, SteadyClock::time_point start, SteadyClock::time_point end) {
    probe->trace.mark(stage, start, end);
  }
};

ApiPipeline::ApiPipeline(const model::Api& api, SharedCaches& caches, Milestones& milestones,
                         bool metrics, JsonLimits limits)
    : api_(api),
      caches_(caches),
      milestones_(milestones),
      limits_(limits),
      pool_(api.config.upstream.max_connections, api.config.batching.max_queue_size) {
  const auto& upstream = api.config.upstream;
  http::Url url = *http::parse_url(upstream.url);  // checked when the config was read
  base_path_ = url.target;
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  client_ = std::make_unique<model::UpstreamClient>(api.config.name, upstream, url);
  if (metrics) metrics_ = std::make_unique<monitor::ModelMetrics>(api.config.name);
  spdlog::info("upstream '{}' ({}, json) is served at {}/ (up to {} calls at once)",
               api.config.name, upstream.url, upstream.mount, upstream.max_connections);
}

ApiPipeline::~ApiPipeline() { stop(); }

void ApiPipeline::stop() { pool_.stop(); }

bool ApiPipeline::claims(std::string_view path) const {
  const std::string& mount = api_.config.upstream.mount;
  if (mount.empty()) return true;
  return starts_with(path, mount) && (path.size() == mount.size() || path[mount.size()] == '/');
}

std::string_view ApiPipeline::upstream_path(const http::Request& request) const {
  std::string_view path = request.path();
  path.remove_prefix(api_.config.upstream.mount.size());
  return path.empty() ? "/" : path;
}

std::string ApiPipeline::target_of(const http::Request& request, std::string_view path) const {
  std::string target = base_path_;
  target.append(path);
  if (const auto query = request.query(); !query.empty() || request.target.back() == '?') {
    target.push_back('?');
    target.append(query);
  }
  return target;
}

void ApiPipeline::refuse(http::Response answer, const http::Request& request,
                         http::Responder responder) {
  if (metrics_) {
    metrics_->started();
    metrics_->failed(answer.status, request.received, SteadyClock::now());
  }
  responder.send(std::move(answer));
}

void ApiPipeline::handle(http::Request& request, http::Responder responder,
                         AdmissionLimit& server) {
  if (!server.try_enter()) {
    refuse(
        error_answer(
            503,
            "the server is at its bound of predictions in flight (--max-in-flight); retry later"),
        request, std::move(responder));
    return;
  }
  AdmissionTicket ticket(&server, nullptr);
  const std::string_view path = upstream_path(request);
  std::string target = target_of(request, path);
  switch (classify(api_.config.upstream.routes, request, path)) {
    case ApiAction::kRefuse:
      responder.send(error_answer(403, request.method_text + " " + std::string(request.path()) +
                                           " is not served (upstream '" + api_.config.name +
                                           "' refuses it)"));
      return;
    case ApiAction::kProxy:
      proxy(request, std::move(target), std::move(responder), std::move(ticket));
      return;
    case ApiAction::kPredict:
      break;
  }
  std::optional<CacheKey> key;
  if (api_.config.cache.enabled) {
    // A body that is not JSON is the upstream's to judge: forwarded unchanged, never cached.
    auto canonical = canonical_json(request.body, limits_.max_depth);
    if (!canonical) {
      proxy(request, std::move(target), std::move(responder), std::move(ticket));
      return;
    }
    key = make_cache_key(api_key_bytes(api_.config.name, api_.fingerprint, request, target,
                                       api_.config.upstream.key_headers, *canonical));
  }
  predict(request, std::move(target), std::move(key), std::move(responder), std::move(ticket));
}

void ApiPipeline::proxy(http::Request& request, std::string target, http::Responder responder,
                        AdmissionTicket ticket) {
  auto shared = std::make_shared<http::Responder>(std::move(responder));
  auto held = std::make_shared<AdmissionTicket>(std::move(ticket));  // the call is copyable
  const bool queued =
      pool_.submit([this, method = request.method_text, target = std::move(target),
                    headers = upstream_headers(request, false), body = std::move(request.body),
                    responder = shared, held](bool run) {
        if (!run) {
          responder->send(error_answer(503, "the server is shutting down"));
          return;
        }
        auto answer = client_->call(method, target, body, headers);
        if (!answer) {
          responder->send(error_answer(answer.error().code, answer.error().message));
          return;
        }
        responder->send(response_of(client_answer(std::move(*answer))));
      });
  if (!queued) shared->send(error_answer(503, busy_message()));
}

std::string ApiPipeline::busy_message() const {
  return "upstream '" + api_.config.name + "' takes no more calls now (" +
         std::to_string(api_.config.batching.max_queue_size) +
         " wait for a connection, or the server is stopping)";
}

void ApiPipeline::predict(http::Request& request, std::string target, std::optional<CacheKey> key,
                          http::Responder responder, AdmissionTicket ticket) {
  auto flight = std::make_shared<Flight>(std::move(responder));
  flight->ticket = std::move(ticket);
  flight->method = request.method_text;
  flight->key = std::move(key);
  flight->target = std::move(target);
  flight->headers = upstream_headers(request, true);
  flight->body = std::move(request.body);
  auto now = metrics_ ? SteadyClock::now() : SteadyClock::time_point{};
  flight->probe = AnswerProbe::start(metrics_.get(), request, now);
  if (!flight->key) {
    call(flight);
    return;
  }
  if (!wants_fresh(request)) {
    const auto hit = caches_.l1.get(*flight->key);
    if (flight->probe) {
      const auto looked = SteadyClock::now();
      flight->mark(Stage::kLookup, now, looked);
      now = looked;
    }
    if (hit && std::holds_alternative<StoredAnswer>(*hit)) {
      if (flight->probe) flight->probe->trace.path = Path::kCached;
      ApiOutcome outcome;
      outcome.answer = hit;
      outcome.from_cache = true;
      complete(flight, outcome);
      return;
    }
  }
  if (flight->probe) flight->joined = now;
  const bool first = caches_.api_coalescer.join(
      *flight->key, [this, flight](const ApiOutcome& outcome) { complete(flight, outcome); });
  if (!first) return;  // an identical request is under way
  flight->leader = true;
  if (caches_.l2) {
    lookup_redis(flight);
  } else {
    call(flight);
  }
}

void ApiPipeline::lookup_redis(const FlightPtr& flight) {
  const auto asked = flight->probe ? SteadyClock::now() : SteadyClock::time_point{};
  caches_.l2->get(*flight->key, [this, flight, asked](std::optional<std::string> found) {
    if (flight->probe) flight->mark(Stage::kRedis, asked, SteadyClock::now());
    auto answer = found ? decode_answer(*found) : std::nullopt;
    if (!answer || !cacheable(*answer)) {
      call(flight);
      return;
    }
    ApiOutcome outcome;
    outcome.answer = std::make_shared<const CachedValue>(std::move(*answer));
    outcome.from_cache = true;
    caches_.l1.put(*flight->key, outcome.answer,
                   std::chrono::microseconds(api_.config.cache.ttl_us));
    caches_.api_coalescer.finish(*flight->key, outcome);
  });
}

void ApiPipeline::call(const FlightPtr& flight) {
  if (flight->probe) flight->submitted = SteadyClock::now();
  // The leader's outcome goes to every request coalesced onto it; an uncached one's to itself.
  const auto settle = [this, flight](const ApiOutcome& outcome) {
    if (flight->key) {
      caches_.api_coalescer.finish(*flight->key, outcome);
    } else {
      complete(flight, outcome);
    }
  };
  const bool queued = pool_.submit([this, flight, settle](bool run) {
    ApiOutcome outcome;
    outcome.call_start = SteadyClock::now();
    if (!run) {
      outcome.status = 503;
      outcome.error = "the server is shutting down";
    } else if (auto answer =
                   client_->call(flight->method, flight->target, flight->body, flight->headers)) {
      StoredAnswer kept = client_answer(std::move(*answer));
      const bool keep = flight->key && cacheable(kept);
      outcome.answer = std::make_shared<const CachedValue>(std::move(kept));
      if (keep) {
        const auto ttl = std::chrono::microseconds(api_.config.cache.ttl_us);
        caches_.l1.put(*flight->key, outcome.answer, ttl);
        if (caches_.l2) caches_.l2->set(*flight->key, encode_answer(stored(outcome)), ttl);
      }
    } else {
      outcome.status = answer.error().code;
      outcome.error = answer.error().message;
    }
    outcome.call_end = SteadyClock::now();
    settle(outcome);
  });
  if (!queued) {
    ApiOutcome outcome;
    outcome.status = 503;
    outcome.error = busy_message();
    outcome.call_start = outcome.call_end = SteadyClock::now();
    settle(outcome);
  }
}

void ApiPipeline::complete(const FlightPtr& flight, const ApiOutcome& outcome) {
  const bool upstream_answered = outcome.answer != nullptr;
  const int status = upstream_answered ? stored(outcome).status : outcome.status;
  if (auto probe = flight->probe) {
    monitor::Trace& trace = probe->trace;
    if (flight->key && !flight->leader && trace.path != Path::kCached) {
      trace.path = Path::kCoalesced;
      flight->mark(Stage::kCoalesced, flight->joined, SteadyClock::now());
    } else if (outcome.from_cache) {
      trace.path = Path::kCached;
    } else if (outcome.call_end != SteadyClock::time_point{}) {
      flight->mark(Stage::kQueue, flight->submitted, outcome.call_start);
      flight->mark(Stage::kUpstream, outcome.call_start, outcome.call_end);
    }
  }
  if (status != 200) {
    flight->responder.send(upstream_answered ? response_of(stored(outcome))
                                             : error_answer(outcome.status, outcome.error));
    if (metrics_) metrics_->failed(status, flight->probe->trace.received, SteadyClock::now());
    return;
  }
  milestones_.note_first_prediction();
  const auto start = flight->probe ? SteadyClock::now() : SteadyClock::time_point{};
  http::Response response = response_of(stored(outcome));
  if (flight->key) {
    response.headers.push_back({"X-Cache", outcome.from_cache ? "HIT" : "MISS"});
  }
  AnswerProbe::answered(flight->probe, start, response);
  flight->responder.send(std::move(response));
}

}  // namespace hone::serve
