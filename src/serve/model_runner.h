// How decoded rows reach a model's backend: inline on the calling (I/O) thread for calls its
// backend says cost less than a thread hand-off, or through a Batcher's queue and workers. Either
// way the job's `done` is called exactly once, with the outputs or an HTTP status and message,
// and the absolute times at which the backend call that served it began and ended.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "model/repository.h"

namespace hone::serve {

using SteadyClock = std::chrono::steady_clock;

struct JobOutcome {
  int status = 200;  // 200, or the HTTP status of the failure
  std::string error;
  std::vector<float> outputs;  // row_count x output width on success
  // The backend call that served this job (both equal to when it was refused or timed out
  // before one began).
  SteadyClock::time_point call_start;
  SteadyClock::time_point call_end;
  std::size_t batch_rows = 0;  // rows in that call; 0 when none was made
  bool from_cache = false;     // answered by the L2 cache, not computed
};

struct Job {
  std::vector<float> rows;
  std::size_t row_count = 0;
  SteadyClock::time_point deadline = SteadyClock::time_point::max();
  std::function<void(JobOutcome&&)> done;
};

// One backend call as its runner made it: the rows, the time to gather the jobs' rows into one
// input, the call itself, and the time to slice the outputs back into the jobs' answers.
struct Execution {
  std::size_t rows = 0;
  std::chrono::nanoseconds gather{0};
  std::chrono::nanoseconds compute{0};
  std::chrono::nanoseconds scatter{0};
};
// Told of every backend call, on the thread that made it (empty: nobody listens).
using ExecutionObserver = std::function<void(const Execution&)>;

class ModelRunner {
 public:
  virtual ~ModelRunner() = default;
  // Never blocks on the model (an inline runner computes at once: it is only used for backends
  // faster than a hand-off). `done` may run on this thread or on a worker thread.
  virtual void submit(Job job) = 0;
  // Refuses new jobs and answers queued ones with 503; joins worker threads.
  virtual void stop() = 0;
};

std::unique_ptr<ModelRunner> make_inline_runner(const model::Model& model,
                                                ExecutionObserver observer = {});

// The runner a model's config and its backend's capabilities ask for: its batcher when batching
// is on; else inline for requests of up to the backend's inline_rows without a deadline and a
// one-request-per-call worker queue for the rest. Queues get one worker per call the backend is
// worth running at once (its max_concurrency, or the config's workers), one when it is not
// thread-safe.
std::unique_ptr<ModelRunner> make_runner(const model::Model& model,
                                         ExecutionObserver observer = {});

// Turns a failed backend call into the job's answer: the error's code when it is an HTTP status
// (an upstream's 502, 504, 4xx), else 500.
void set_failure(JobOutcome& outcome, const Error& error);

}  // namespace hone::serve
