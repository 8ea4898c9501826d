#include "serve/pipeline.h"

#include <spdlog/spdlog.h>

#include <cstring>

#include "core/units.h"
#include "model/explaining_backend.h"

namespace hone::serve {
namespace {

using monitor::Path;
using monitor::Stage;

// A model's outputs as the bytes Redis keeps, and back (nothing when the size is not a whole
// answer of `expected` values: another deployment's value under the same name and version).
std::string output_bytes(const std::vector<float>& outputs) {
  return std::string(reinterpret_cast<const char*>(outputs.data()), outputs.size() * sizeof(float));
}

std::optional<std::vector<float>> outputs_from(const std::string& bytes, std::size_t expected) {
  if (bytes.size() != expected * sizeof(float)) return std::nullopt;
  std::vector<float> outputs(expected);
  std::memcpy(outputs.data(), bytes.data(), bytes.size());
  return outputs;
}

}  // namespace

monitor::CacheFigures SharedCaches::figures() const {
  monitor::CacheFigures f;
  const CacheStats one = l1.stats();
  f.l1 = {one.hits, one.misses, one.evictions, one.expirations, one.entries, one.bytes, one.budget};
  if (l2) {
    const RedisStats two = l2->stats();
    f.has_l2 = true;
    f.l2 = {two.hits,           two.misses,    two.errors,      two.timeouts,
            two.skipped,        two.sets,      two.bytes_read,  two.bytes_written,
            two.breaker_opened, two.connected, two.breaker_open};
  }
  f.coalesced = coalescer.coalesced() + api_coalescer.coalesced();
  return f;
}

void Milestones::note_first_prediction() {
  if (first_prediction_ns.load(std::memory_order_relaxed) >= 0) return;
  const auto since =
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - started);
  std::int64_t unset = -1;
  if (first_prediction_ns.compare_exchange_strong(unset, since.count())) {
    spdlog::info("first prediction answered {} after start", format_duration(since));
  }
}

// One request on its way through the pipeline.
struct ModelPipeline::Flight {
  InferRequest request;
  http::Responder responder;
  Encoder encode;
  std::shared_ptr<AnswerProbe> probe;    // null without metrics: no clock reads then
  std::optional<CacheKey> key;           // models with a cache
  std::shared_ptr<ModelPipeline> owner;  // kept until answered (the model may be unloaded)
  AdmissionTicket ticket;                // leaves the bounds when the flight ends
  bool leader = false;  // computes (or reads L2) for the requests coalesced onto it
  SteadyClock::time_point joined;
  SteadyClock::time_point submitted;

  Flight(InferRequest r, http::Responder a, Encoder e)
      : request(std::move(r)), responder(std::move(a)), encode(std::move(e)) {}
  void mark(Stage stage, SteadyClock::time_point start, SteadyClock::time_point end) {
    probe->trace.mark(stage, start, end);
  }
};

ModelPipeline::ModelPipeline(std::shared_ptr<const model::Model> shared, SharedCaches& caches,
                             Milestones& milestones, std::shared_ptr<monitor::ModelMetrics> metrics)
    : model_(std::move(shared)),
      caches_(caches),
      milestones_(milestones),
      features_(make_feature_index(*model_)),
      metrics_(std::move(metrics)),
      admission_(model_->config.admission),
      call_stage_(model_->backend->capabilities().remote ? Stage::kUpstream : Stage::kCompute) {
  const model::Model& model = *model_;
  ExecutionObserver observer;
  if (metrics_) {
    observer = [m = metrics_.get()](const Execution& e) {
      m->executed(e.rows, e.gather, e.compute, e.scatter);
    };
  }
  runner_ = make_runner(model, observer);
  if (model::explainable(model)) {
    explaining_ = std::make_unique<model::Model>(model::explaining_model(model));
    observer_ = std::move(observer);
  }
  if (!model.backend_choice.empty()) {
    spdlog::info("model '{}': backend auto chose {}", model.config.name, model.backend_choice);
  }
  if (call_stage_ == Stage::kUpstream) {
    const auto& upstream = model.config.upstream;
    spdlog::info("model '{}' is served by upstream {} ({}, {} features, up to {} calls at once)",
                 model.config.name, upstream.url, upstream.protocol, model.input().row_width(),
                 upstream.max_connections);
  }
}

void ModelPipeline::stop() {
  runner_->stop();
  const std::lock_guard lock(explaining_mutex_);
  stopped_ = true;
  if (explaining_runner_) explaining_runner_->stop();
}

ModelRunner& ModelPipeline::explaining_runner() {
  const std::lock_guard lock(explaining_mutex_);
  if (!explaining_runner_) {
    explaining_runner_ = make_runner(*explaining_, observer_);
    if (stopped_) explaining_runner_->stop();  // answers what it is given with 503
  }
  return *explaining_runner_;
}

void ModelPipeline::refuse(const Error& error, const http::Request& request,
                           http::Responder responder) {
  const int status = error.code >= 400 ? error.code : 500;
  refuse(error_answer(status, error.message), request, std::move(responder));
}

void ModelPipeline::refuse(http::Response answer, const http::Request& request,
                           http::Responder responder) {
  if (metrics_) {
    metrics_->started();
    metrics_->failed(answer.status, request.received, SteadyClock::now());
  }
  responder.send(std::move(answer));
}

bool ModelPipeline::admit(AdmissionLimit& server, const http::Request& request,
                          http::Responder& responder, AdmissionTicket& ticket) {
  last_used_ns_.store(SteadyClock::now().time_since_epoch().count(), std::memory_order_relaxed);
  const Refusal refusal = serve::admit(server, admission_, ticket);
  if (refusal == Refusal::kNone) return true;
  refuse(Error{refusal == Refusal::kServer
                   ? "the server is at its bound of predictions in flight (--max-in-flight); "
                     "retry later"
                   : "model '" + model_->config.name +
                         "' is at its bound of requests in flight (admission); retry later",
               503},
         request, std::move(responder));
  return false;
}

void ModelPipeline::serve(InferRequest decoded, const http::Request& request, Encoder encode,
                          http::Responder responder, AdmissionTicket ticket) {
  auto flight =
      std::make_shared<Flight>(std::move(decoded), std::move(responder), std::move(encode));
  flight->owner = shared_from_this();
  flight->ticket = std::move(ticket);
  auto now = metrics_ ? SteadyClock::now() : SteadyClock::time_point{};
  flight->probe = AnswerProbe::start(metrics_.get(), request, now);
  if (!model_->config.cache.enabled) {
    compute(flight);
    return;
  }
  const InferRequest& in = flight->request;
  const model::Model& served = in.explanation_width > 0 ? *explaining_ : *model_;
  flight->key.emplace(make_cache_key(model_->config.name, model_->config.version,
                                     served.fingerprint, in.rows, in.row_count));
  if (!wants_fresh(request)) {
    const auto hit = caches_.l1.get(*flight->key);
    if (flight->probe) {
      const auto looked = SteadyClock::now();
      flight->mark(Stage::kLookup, now, looked);
      now = looked;
    }
    if (const auto* outputs = hit ? std::get_if<std::vector<float>>(hit.get()) : nullptr) {
      if (flight->probe) flight->probe->trace.path = Path::kCached;
      answer(flight, *outputs, "HIT");
      return;
    }
  }
  if (flight->probe) flight->joined = now;
  const bool first = caches_.coalescer.join(
      *flight->key, [this, flight](const JobOutcome& outcome) { complete(flight, outcome); });
  if (!first) return;  // an identical request is under way; its outcome comes to `complete`
  flight->leader = true;
  if (caches_.l2) {
    lookup_redis(flight);
  } else {
    compute(flight);
  }
}

// L2 after an L1 miss; on a miss (or a Redis that is down or slow) compute as usual.
void ModelPipeline::lookup_redis(const FlightPtr& flight) {
  // A value of another size was stored by a different model under the same name and version
  // (another deployment sharing the Redis): a miss, never an answer read out of bounds.
  const std::size_t expected =
      flight->request.row_count *
      (static_cast<std::size_t>(model_->output().row_width()) + flight->request.explanation_width);
  const auto asked = flight->probe ? SteadyClock::now() : SteadyClock::time_point{};
  caches_.l2->get(*flight->key, [this, flight, expected, asked](std::optional<std::string> found) {
    if (flight->probe) flight->mark(Stage::kRedis, asked, SteadyClock::now());
    auto outputs = found ? outputs_from(*found, expected) : std::nullopt;
    if (!outputs) {
      compute(flight);
      return;
    }
    JobOutcome outcome;
    outcome.outputs = std::move(*outputs);
    outcome.from_cache = true;
    caches_.l1.put(*flight->key, std::make_shared<const CachedValue>(outcome.outputs),
                   std::chrono::microseconds(model_->config.cache.ttl_us));
    caches_.coalescer.finish(*flight->key, outcome);
  });
}

void ModelPipeline::compute(const FlightPtr& flight) {
  Job job;
  job.row_count = flight->request.row_count;
  job.rows = std::move(flight->request.rows);
  if (flight->request.timeout_us > 0) {
    job.deadline = SteadyClock::now() + std::chrono::microseconds(flight->request.timeout_us);
  }
  job.done = [this, flight](JobOutcome&& outcome) {
    if (flight->key) {
      stored(flight, outcome);
    } else {
      complete(flight, outcome);
    }
  };
  if (flight->probe) flight->submitted = SteadyClock::now();
  ModelRunner& runner = flight->request.explanation_width > 0 ? explaining_runner() : *runner_;
  runner.submit(std::move(job));
}

// A leader's computed outcome: cached when it succeeded, then handed to every coalesced request.
void ModelPipeline::stored(const FlightPtr& flight, const JobOutcome& outcome) {
  if (outcome.status == 200) {
    const auto ttl = std::chrono::microseconds(model_->config.cache.ttl_us);
    caches_.l1.put(*flight->key, std::make_shared<const CachedValue>(outcome.outputs), ttl);
    if (caches_.l2) caches_.l2->set(*flight->key, output_bytes(outcome.outputs), ttl);
  }
  caches_.coalescer.finish(*flight->key, outcome);
}

void ModelPipeline::complete(const FlightPtr& flight, const JobOutcome& outcome) {
  if (flight->probe) {
    monitor::Trace& trace = flight->probe->trace;
    if (flight->key && !flight->leader) {
      trace.path = Path::kCoalesced;
      flight->mark(Stage::kCoalesced, flight->joined, SteadyClock::now());
    } else if (outcome.from_cache) {
      trace.path = Path::kCached;
    } else if (outcome.batch_rows > 0) {
      flight->mark(Stage::kQueue, flight->submitted, outcome.call_start);
      flight->mark(call_stage_, outcome.call_start, outcome.call_end);
      trace.batch_rows = outcome.batch_rows;
    }
  }
  if (outcome.status != 200) {
    flight->responder.send(error_answer(outcome.status, outcome.error));
    if (metrics_) {
      metrics_->failed(outcome.status, flight->probe->trace.received, SteadyClock::now());
    }
    return;
  }
  answer(flight, outcome.outputs, outcome.from_cache ? "HIT" : "MISS");
}

void ModelPipeline::answer(const FlightPtr& flight, std::span<const float> outputs,
                           const char* cache_status) {
  milestones_.note_first_prediction();
  const auto start = flight->probe ? SteadyClock::now() : SteadyClock::time_point{};
  http::Response response;
  flight->encode(*model_, flight->request, outputs, response.body);
  if (flight->key) response.headers.push_back({"X-Cache", cache_status});
  AnswerProbe::answered(flight->probe, start, response);
  flight->responder.send(std::move(response));
}

}  // namespace hone::serve
