// Live metrics of one served model, fed by the request path without locks (see
// log_histogram.h): the stages of each request's trace, batch sizes, answers by status and the
// requests in flight.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>

#include "monitor/log_histogram.h"

namespace hone::monitor {

// The timestamps of one prediction, in the order they happen.
struct Trace {
  using TimePoint = std::chrono::steady_clock::time_point;
  TimePoint received;     // first byte of the request
  TimePoint parsed;       // body decoded
  TimePoint queued;       // handed to the model's runner
  TimePoint batch_start;  // the backend call began (queued when it came from a cache)
  TimePoint compute_end;  // the backend call ended
  TimePoint serialized;   // answer encoded
  TimePoint written;      // answer written to the socket
};

class ModelMetrics {
 public:
  explicit ModelMetrics(std::string model) : model_(std::move(model)) {}

  const std::string& model() const { return model_; }

  void started() { pending_.add(1); }
  // A request finished with `status`; `trace` is complete for successes.
  void finished(int status, const Trace* trace, std::size_t batch_rows);

  // Statuses this model has answered, with counts.
  std::map<int, std::int64_t> statuses() const;
  std::int64_t pending() const { return pending_.value(); }
  std::int64_t requests() const;
  std::int64_t failures() const;  // status >= 400

  LogHistogram e2e_us;        // received -> written
  LogHistogram queue_us;      // queued -> batch start
  LogHistogram compute_us;    // batch start -> compute end
  LogHistogram serialize_us;  // compute end -> serialized
  LogHistogram batch_rows;    // rows in the backend call that served each request

 private:
  static constexpr std::array<int, 9> kStatuses = {200, 400, 404, 408, 413, 500, 503, 504, 0};
  static std::size_t slot_of(int status);

  std::string model_;
  ShardedCounter pending_;
  std::array<ShardedCounter, kStatuses.size()> by_status_;
};

}  // namespace hone::monitor
