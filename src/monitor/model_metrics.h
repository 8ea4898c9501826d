// Live metrics of one served model, fed by the request path without locks (see
// log_histogram.h): the stages of each request's trace, batch sizes, answers by status and the
// requests in flight; and exact totals (counts and nanoseconds) in the manner of the KServe/Triton
// statistics extension, per request stage and per backend call.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "monitor/log_histogram.h"
#include "monitor/stages.h"

namespace hone::monitor {

// One prediction's stages (see stages.h), each stamped with absolute times where it happened.
struct Trace {
  using TimePoint = std::chrono::steady_clock::time_point;
  struct Span {
    TimePoint start;
    TimePoint end;
  };
  TimePoint received;  // first byte of the request
  TimePoint written;   // answer written to the socket
  Path path = Path::kComputed;
  std::size_t batch_rows = 0;  // rows in the backend call that served it (kComputed)

  void mark(Stage stage, TimePoint start, TimePoint end) {
    spans_[index_of(stage)] = {start, end};
    present_ |= static_cast<std::uint16_t>(1U << index_of(stage));
  }
  bool has(Stage stage) const { return (present_ >> index_of(stage)) & 1U; }
  const Span& span(Stage stage) const { return spans_[index_of(stage)]; }

 private:
  std::array<Span, kStageCount> spans_{};
  std::uint16_t present_ = 0;
};

// A count of events and the nanoseconds they took together.
struct TimeTotal {
  std::int64_t count = 0;
  std::int64_t ns = 0;
};

// Per request, as Triton counts them: successes and failures from the first byte to the answer;
// for computed requests, decoding (compute_input), waiting for a batch (queue), the backend call
// that served them (compute_infer, in-process or upstream) and encoding (compute_output); cache
// lookups (L1, and Redis after an L1 miss) that answered (cache_hit) and that did not
// (cache_miss). Cache hits and coalesced requests count in success only.
struct RequestTotals {
  TimeTotal success, fail, queue, compute_input, compute_infer, compute_output, cache_hit,
      cache_miss;
};

// Per backend call ("execution"): gathering the jobs' rows into one input, the call, slicing the
// outputs back to the jobs; by the call's number of rows.
struct ExecutionTotal {
  std::int64_t count = 0;
  std::int64_t gather_ns = 0;
  std::int64_t compute_ns = 0;
  std::int64_t scatter_ns = 0;
};
struct ExecutionTotals {
  std::int64_t executions = 0;
  std::int64_t inferences = 0;         // rows computed (cache hits are not)
  std::int64_t last_inference_ms = 0;  // Unix ms of the last success; 0 before the first
  std::map<std::size_t, ExecutionTotal> by_rows;
};

class ModelMetrics {
 public:
  explicit ModelMetrics(std::string model) : model_(std::move(model)) {}

  const std::string& model() const { return model_; }

  void started() { pending_.add(1); }
  // A request that started() was answered 200; its trace is complete.
  void succeeded(const Trace& trace);
  // A request that started() was answered `status` (4xx, 5xx) at `now`.
  void failed(int status, Trace::TimePoint received, Trace::TimePoint now);
  // The runner made one backend call of `rows` rows (see ExecutionTotal).
  void executed(std::size_t rows, std::chrono::nanoseconds gather, std::chrono::nanoseconds compute,
                std::chrono::nanoseconds scatter);

  RequestTotals request_totals() const;
  ExecutionTotals execution_totals() const;

  // Statuses this model has answered, with counts.
  std::map<int, std::int64_t> statuses() const;
  std::int64_t pending() const { return pending_.value(); }
  std::int64_t requests() const;
  std::int64_t failures() const;  // status >= 400

  // Exact totals of one stage over the successful requests that took `path`.
  TimeTotal stage_total(Path path, Stage stage) const;
  const LogHistogram& stage_us(Stage stage) const { return stage_us_[index_of(stage)]; }

  LogHistogram e2e_us;      // received -> written, successful requests
  LogHistogram batch_rows;  // rows in the backend call that served each computed request

 private:
  static constexpr std::array<int, 14> kStatuses = {200, 400, 401, 403, 404, 408, 413,
                                                    422, 429, 500, 502, 503, 504, 0};
  static std::size_t slot_of(int status);

  void count_status(int status);

  struct Total {
    ShardedCounter count;
    ShardedCounter ns;
    void add(std::chrono::steady_clock::duration d);
    TimeTotal value() const;
  };

  std::string model_;
  ShardedCounter pending_;
  std::array<ShardedCounter, kStatuses.size()> by_status_;
  Total success_, fail_;
  std::array<LogHistogram, kStageCount> stage_us_;
  std::array<std::array<Total, kStageCount>, kPathCount> stage_totals_;
  std::atomic<std::int64_t> last_inference_ms_{0};
  mutable std::mutex executions_mutex_;  // one lock per backend call, never per request
  ExecutionTotals executions_;
};

}  // namespace hone::monitor
