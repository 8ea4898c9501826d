#include "serve/model_runner.h"

#include "serve/batcher.h"

namespace hone::serve {
namespace {

class InlineRunner final : public ModelRunner {
 public:
  explicit InlineRunner(const model::Model& model) : model_(model) {}

  void submit(Job job) override {
    JobOutcome outcome;
    outcome.outputs.resize(job.row_count * static_cast<std::size_t>(model_.output().row_width()));
    const auto start = SteadyClock::now();
    const Status status = model_.backend->predict(job.rows, job.row_count, outcome.outputs);
    outcome.compute = SteadyClock::now() - start;
    outcome.batch_rows = job.row_count;
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
};

}  // namespace

std::unique_ptr<ModelRunner> make_inline_runner(const model::Model& model) {
  return std::make_unique<InlineRunner>(model);
}

std::unique_ptr<ModelRunner> make_runner(const model::Model& model) {
  const model::BatchingSettings& batching = model.config.batching;
  if (batching.enabled) return std::make_unique<Batcher>(model, batching);
  if (model.config.backend == "trees" && batching.timeout_us == 0) return make_inline_runner(model);
  model::BatchingSettings single = batching;
  single.max_batch_size = 1;
  single.max_queue_delay_us = 0;
  single.preferred_batch_sizes.clear();
  return std::make_unique<Batcher>(model, single);
}

}  // namespace hone::serve
