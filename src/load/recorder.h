// Per-thread recording of a run: statistics per endpoint, the per-second timeline and the
// schedule's lag, with no locks on the hot path (see live.h for what is shared while running).
// Owned and called by one worker thread; read after the thread has finished.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "load/live.h"
#include "report/result.h"

namespace hone::load {

using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

class Recorder {
 public:
  Recorder(std::vector<std::string> endpoint_names, TimePoint start, std::int64_t start_unix_ms,
           LiveBoard* live);

  // An answer arrived. `failure` is null when it counts as a success, else the error kind.
  void answer(std::size_t endpoint, int status, const char* failure, bool status_unexpected,
              TimePoint intended, TimePoint sent, TimePoint done, std::int64_t bytes_in,
              std::int64_t bytes_out);
  // A request failed without an answer (connect, timeout, reset, protocol).
  void failure(std::size_t endpoint, const char* kind, TimePoint done, std::int64_t bytes_out);
  // A request was sent `lag` after its intended time; `free_connection`: one was idle then.
  void sent(std::chrono::nanoseconds lag, bool generator_late);
  void intended(std::int64_t count) { intended_ += count; }
  void connections(std::int64_t open) { max_connections_ = std::max(max_connections_, open); }
  void connection_opened() { ++connections_opened_; }
  // Flushes the current second; call once at the end.
  void finish();

  std::vector<report::Stats>& endpoints() { return endpoints_; }
  std::vector<report::TimelineRow>& timeline() { return timeline_; }
  report::Schedule& schedule() { return schedule_; }

 private:
  void roll_to(std::int64_t second);
  std::int64_t unix_second(TimePoint when) const;
  static std::int64_t micros(std::chrono::nanoseconds duration);

  std::vector<std::string> names_;
  std::vector<report::Stats> endpoints_;
  std::vector<report::TimelineRow> timeline_;
  report::Schedule schedule_;
  TimePoint start_;
  std::int64_t start_unix_ms_;
  LiveBoard* live_;
  std::int64_t current_second_ = -1;
  report::TimelineRow current_;
  HdrHistogram current_latency_ = report::make_timeline_histogram();
  // The current second by endpoint, kept only when there are several endpoints.
  std::vector<report::EndpointSecond> current_endpoints_;
  std::vector<HdrHistogram> current_endpoint_latency_;
  std::int64_t intended_ = 0;
  std::int64_t max_connections_ = 0;
  std::int64_t connections_opened_ = 0;
};

}  // namespace hone::load
