#include "serve/model_runner.h"

#include "serve/batcher.h"

namespace hone::serve {
namespace {
constexpr std::size_t kInlineRows = 32;  // the trees engine does 32 rows in ~20 us
}  // namespace
}  // namespace hone::serve

namespace hone::serve {
namespace {

class InlineRunner final : public ModelRunner {
 public:
  InlineRunner(const model::Model& model, ExecutionObserver observer)
      : model_(model), observer_(std::move(observer)) {}

  void submit(Job job) override {
    JobOutcome outcome;
    outcome.outputs.resize(job.row_count * static_cast<std::size_t>(model_.output().row_width()));
    const auto start = SteadyClock::now();
    const Status status = model_.backend->predict(job.rows, job.row_count, outcome.outputs);
    outcome.compute = SteadyClock::now() - start;
    outcome.batch_rows = job.row_count;
    // The backend reads the job's rows and writes its answer in place: nothing to gather or slice.
    if (observer_) observer_(Execution{job.row_count, {}, outcome.compute, {}});
    if (!status) {
      outcome.status = 500;
      outcome.error = "prediction failed: " + status.error().message;
      outcome.outputs.clear();
    }
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
  const model::BatchingSettings& batching = model.config.batching;
  if (batching.enabled) return std::make_unique<Batcher>(model, batching, std::move(observer));
  model::BatchingSettings single = batching;
  single.max_batch_size = 1;
  single.max_queue_delay_us = 0;
  single.preferred_batch_sizes.clear();
  if (model.config.backend == "trees")
    return std::make_unique<HybridRunner>(model, kInlineRows, single, observer);
  return std::make_unique<Batcher>(model, single, std::move(observer));
}

}  // namespace hone::serve
