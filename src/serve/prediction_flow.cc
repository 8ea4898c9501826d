// The prediction path after decoding: L1 cache, coalescing, runner, answer.
#include <spdlog/spdlog.h>

#include <memory>

#include "core/strings.h"
#include "core/units.h"
#include "http/serialize.h"
#include "serve/serve_state.h"

namespace hone::serve {
namespace {

bool wants_fresh(const http::Request& request) {
  const std::string value = to_lower(request.header("Cache-Control"));
  return value.find("no-cache") != std::string::npos || value.find("no-store") != std::string::npos;
}

void note_first_prediction(ServeState& state) {
  if (state.first_prediction_ns.load(std::memory_order_relaxed) >= 0) return;
  const auto since =
      std::chrono::duration_cast<std::chrono::nanoseconds>(SteadyClock::now() - state.started);
  std::int64_t unset = -1;
  if (state.first_prediction_ns.compare_exchange_strong(unset, since.count())) {
    spdlog::info("first prediction answered {} after start", format_duration(since));
  }
}

// One prediction's trace, in one allocation shared by the reply and the written-callback. Once
// armed (a 200 was sent), it records into the model's metrics when the last holder lets go:
// after the answer was written, or when the connection dropped it first (then "written" is when
// it was encoded).
struct TraceProbe {
  monitor::ModelMetrics* metrics = nullptr;
  monitor::Trace trace;
  std::size_t batch_rows = 0;
  bool armed = false;
  bool written = false;
  ~TraceProbe() {
    if (!armed) return;
    if (!written) trace.written = trace.serialized;
    metrics->succeeded(trace, batch_rows);
  }
};

}  // namespace

void serve_prediction(ServeState& state, const model::Model& model, InferRequest decoded,
                      const http::Request& http_request, Encoder encode,
                      http::Responder responder) {
  auto request = std::make_shared<InferRequest>(std::move(decoded));
  auto answer = std::make_shared<http::Responder>(std::move(responder));
  const bool cached = model.config.cache.enabled;
  const model::Model* model_ptr = &model;
  monitor::ModelMetrics* metrics = state.metrics_enabled ? state.metrics.at(&model).get() : nullptr;
  // With metrics off (--no-metrics) there is no trace either: no clock reads, no allocation.
  std::shared_ptr<TraceProbe> probe;
  if (metrics != nullptr) {
    probe = std::make_shared<TraceProbe>();
    probe->metrics = metrics;
    probe->trace.received = http_request.received;
    probe->trace.parsed = probe->trace.queued = SteadyClock::now();
    metrics->started();
  }
  // `outcome` is null for an L1 hit; otherwise it holds the status and the stage timings.
  auto reply = [&state, model_ptr, request, answer, encode = std::move(encode), cached, probe](
                   std::span<const float> outputs, const JobOutcome* outcome,
                   const char* cache_status) {
    if (outcome != nullptr && outcome->status != 200) {
      answer->send(error_from_outcome(*outcome));
      if (probe != nullptr) {
        probe->metrics->failed(outcome->status, probe->trace.received, SteadyClock::now());
      }
      return;
    }
    note_first_prediction(state);
    if (probe != nullptr) {
      monitor::Trace& trace = probe->trace;
      if (outcome != nullptr && !outcome->from_cache) {
        trace.batch_start = trace.queued + outcome->queued;
        trace.compute_end = trace.batch_start + outcome->compute;
        probe->batch_rows = outcome->batch_rows;
      } else {
        trace.batch_start = trace.compute_end = SteadyClock::now();
        trace.cache = monitor::Trace::Cache::kHit;
        trace.looked_up = trace.batch_start;
      }
    }
    http::Response response;
    encode(*model_ptr, *request, outputs, response.body);
    if (cached) response.headers.push_back({"X-Cache", cache_status});
    if (probe != nullptr) {
      probe->trace.serialized = SteadyClock::now();
      probe->armed = true;
      response.on_written = [probe] {
        probe->trace.written = SteadyClock::now();
        probe->written = true;
      };
    }
    answer->send(std::move(response));
  };
  Job job;
  job.row_count = request->row_count;
  if (request->timeout_us > 0) {
    job.deadline = SteadyClock::now() + std::chrono::microseconds(request->timeout_us);
  }
  ModelRunner& runner = *state.runners.at(&model);
  if (!cached) {
    job.rows = std::move(request->rows);
    job.done = [reply](JobOutcome&& outcome) { reply(outcome.outputs, &outcome, ""); };
    runner.submit(std::move(job));
    return;
  }
  auto key = std::make_shared<CacheKey>(make_cache_key(model.config.name, model.config.version,
                                                       model.fingerprint, request->rows,
                                                       request->row_count));
  if (!wants_fresh(http_request)) {
    if (auto hit = state.cache->get(*key)) {
      reply(*hit, nullptr, "HIT");
      return;
    }
  }
  if (probe != nullptr) {
    probe->trace.cache = monitor::Trace::Cache::kMiss;
    probe->trace.looked_up = SteadyClock::now();
  }
  const bool first = state.coalescer.join(*key, [reply](const JobOutcome& outcome) {
    reply(outcome.outputs, &outcome, outcome.from_cache ? "HIT" : "MISS");
  });
  if (!first) return;  // an identical request is being computed; its outcome will come here
  job.rows = std::move(request->rows);
  const auto ttl = std::chrono::microseconds(model.config.cache.ttl_us);
  job.done = [&state, key, ttl](JobOutcome&& outcome) {
    if (outcome.status == 200) {
      state.cache->put(*key, std::make_shared<const std::vector<float>>(outcome.outputs), ttl);
      if (state.redis) state.redis->set(*key, outcome.outputs, ttl);
    }
    state.coalescer.finish(*key, outcome);
  };
  if (!state.redis) {
    runner.submit(std::move(job));
    return;
  }
  // L2 next; on a miss (or a Redis that is down or slow) compute as usual.
  ModelRunner* runner_ptr = &runner;
  // A value of another size was stored by a different model under the same name and version
  // (another deployment sharing the Redis): a miss, never an answer read out of bounds.
  const std::size_t expected = job.row_count * static_cast<std::size_t>(model.output().row_width());
  state.redis->get(*key, [&state, key, ttl, runner_ptr, expected,
                          job = std::move(job)](std::optional<std::vector<float>> found) mutable {
    if (!found || found->size() != expected) {
      runner_ptr->submit(std::move(job));
      return;
    }
    JobOutcome outcome;
    outcome.outputs = std::move(*found);
    outcome.from_cache = true;
    state.cache->put(*key, std::make_shared<const std::vector<float>>(outcome.outputs), ttl);
    state.coalescer.finish(*key, outcome);
  });
}

}  // namespace hone::serve
