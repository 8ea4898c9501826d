// What both prediction paths (a model's pipeline and a json upstream's) share about a request:
// whether it asked to skip the caches, how a failure is answered, and the trace that records it
// into its metrics once the answer is written.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "http/message.h"
#include "monitor/model_metrics.h"

namespace hone::serve {

// `Cache-Control: no-cache` or `no-store`: skip the lookups (the answer is still stored).
bool wants_fresh(const http::Request& request);

// {"error": message} with the status; a 503 says when to retry.
http::Response error_answer(int status, const std::string& message);

// A request's trace, shared by its flight and the answer's written-callback. Once armed (a 200
// was sent) it records into the metrics when the last holder lets go: after the answer was
// written, or when the connection dropped it first (then it ends when it was encoded).
struct AnswerProbe : http::WriteObserver {
  // A request that reached its pipeline at `now`: counted as started, its decode stage marked
  // (from its first byte); null without metrics, so that nothing reads the clock then.
  static std::shared_ptr<AnswerProbe> start(monitor::ModelMetrics* metrics,
                                            const http::Request& request,
                                            std::chrono::steady_clock::time_point now);
  // The 200 answer was encoded from `encoding` until now: marks serialize, arms the probe and
  // has the response mark write once the connection wrote it.
  static void answered(const std::shared_ptr<AnswerProbe>& probe,
                       std::chrono::steady_clock::time_point encoding, http::Response& response);

  monitor::ModelMetrics* metrics = nullptr;
  monitor::Trace trace;
  std::chrono::steady_clock::time_point serialized;
  bool armed = false;

  AnswerProbe() = default;
  AnswerProbe(const AnswerProbe&) = delete;
  AnswerProbe& operator=(const AnswerProbe&) = delete;
  ~AnswerProbe() override;
  void written() override;  // marks the write stage
};

}  // namespace hone::serve
