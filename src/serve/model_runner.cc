#include "serve/model_runner.h"

#include <algorithm>

#include "serve/batcher.h"

namespace hone::serve {
namespace {

class InlineRunner final : public ModelRunner {
 public:
  InlineRunner(const model::Model& model, ExecutionObserver observer)
      : model_(model), observer_(std::move(observer)) {}

  void submit(Job job) override {
    JobOutcome outcome;
    outcome.outputs.resize(job.row_count * static_cast<std::size_t>(model_.output().row_width()));
    outcome.call_start = SteadyClock::now();
    const Status status = model_.backend->predict(job.rows, job.row_count, outcome.outputs);
    outcome.call_end = SteadyClock::now();
    outcome.batch_rows = job.row_count;
    // The backend reads the job's rows and writes its answer in place: nothing to gather or slice.
    if (observer_)
      observer_(Execution{job.row_count, {}, outcome.call_end - outcome.call_start, {}});
    if (!status) set_failure(outcome, status.error());
    job.done(std::move(outcome));
  }

  void stop() override {}

 private:
  const model::Model& model_;
  ExecutionObserver observer_;
};

// Small jobs inline (cheaper than a hand-off), large ones on a worker, so that a 1000-row
// request cannot hold an event loop for a millisecond.
class HybridRunner final : public ModelRunner {
 public:
  HybridRunner(const model::Model& model, std::size_t inline_rows, model::BatchingSettings queue,
               const ExecutionObserver& observer)
      : inline_(model, observer),
        inline_rows_(inline_rows),
        queue_(model, std::move(queue), observer) {}

  void submit(Job job) override {
    if (job.row_count <= inline_rows_ && job.deadline == SteadyClock::time_point::max()) {
      inline_.submit(std::move(job));
    } else {
      queue_.submit(std::move(job));
    }
  }
  void stop() override { queue_.stop(); }

 private:
  InlineRunner inline_;
  std::size_t inline_rows_;
  Batcher queue_;
};

}  // namespace

std::unique_ptr<ModelRunner> make_inline_runner(const model::Model& model,
                                                ExecutionObserver observer) {
  return std::make_unique<InlineRunner>(model, std::move(observer));
}

std::unique_ptr<ModelRunner> make_runner(const model::Model& model, ExecutionObserver observer) {
  const model::Capabilities can = model.backend->capabilities();
  model::BatchingSettings settings = model.config.batching;
  if (can.max_concurrency > 0) settings.workers = std::max(settings.workers, can.max_concurrency);
  if (!can.thread_safe) settings.workers = 1;
  if (settings.enabled && can.batchable)
    return std::make_unique<Batcher>(model, settings, std::move(observer));
  settings.max_batch_size = 1;
  settings.max_queue_delay_us = 0;
  settings.preferred_batch_sizes.clear();
  if (can.inline_rows > 0)
    return std::make_unique<HybridRunner>(model, can.inline_rows, settings, observer);
  return std::make_unique<Batcher>(model, settings, std::move(observer));
}

void set_failure(JobOutcome& outcome, const Error& error) {
  // A backend that knows the HTTP answer (an upstream's 502, 504 or its own 4xx) gives it as the
  // error's code; any other failure is the server's own (500).
  outcome.status = error.code >= 400 ? error.code : 500;
  outcome.error = error.code >= 400 ? error.message : "prediction failed: " + error.message;
  outcome.outputs.clear();
}

}  // namespace hone::serve
