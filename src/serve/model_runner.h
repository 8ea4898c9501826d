// How decoded rows reach a model's backend: inline on the calling (I/O) thread for backends
// that cost less than a thread hand-off, or through a Batcher's queue and workers. Either way
// the job's `done` is called exactly once, with the outputs or an HTTP status and message.
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
  std::vector<float> outputs;           // row_count x output width on success
  std::chrono::nanoseconds queued{0};   // time waiting for a batch
  std::chrono::nanoseconds compute{0};  // time in the backend call
  std::size_t batch_rows = 0;           // rows in the backend call that served this job
  bool from_cache = false;              // answered by the L2 cache, not computed
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

// The runner a model's config asks for: its batcher when batching is on; else, for the trees
// backend, inline for requests of up to 32 rows without a deadline and a worker queue for the
// rest; for the others, a one-request-per-call worker queue.
std::unique_ptr<ModelRunner> make_runner(const model::Model& model,
                                         ExecutionObserver observer = {});

}  // namespace hone::serve
