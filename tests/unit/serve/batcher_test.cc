// The batcher with a fake backend the test controls: batch formation (max size, delay from the
// oldest request, preferred sizes), the bounded queue, deadlines while waiting and while
// computing, scatter of outputs, and stop.
#include "serve/batcher.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

namespace hone::serve {
namespace {

using namespace std::chrono_literals;

// Doubles the first feature of each row; records batch sizes; can be held closed by the test.
class FakeBackend final : public model::Backend {
 public:
  FakeBackend() {
    info_.num_features = 2;
    info_.num_outputs = 1;
  }
  const model::BackendInfo& info() const override { return info_; }
  Status predict(std::span<const float> rows, std::size_t count, std::span<float> out) override {
    {
      std::unique_lock lock(mutex_);
      batches_.push_back(count);
      entered_.notify_all();
      open_.wait(lock, [this] { return !held_; });
    }
    for (std::size_t r = 0; r < count; ++r) out[r] = rows[r * 2] * 2;
    return {};
  }
  void hold() {
    std::lock_guard lock(mutex_);
    held_ = true;
  }
  void release() {
    {
      std::lock_guard lock(mutex_);
      held_ = false;
    }
    open_.notify_all();
  }
  void wait_for_calls(std::size_t count) {
    std::unique_lock lock(mutex_);
    entered_.wait(lock, [&] { return batches_.size() >= count; });
  }
  std::vector<std::size_t> batches() {
    std::lock_guard lock(mutex_);
    return batches_;
  }

 private:
  model::BackendInfo info_;
  std::mutex mutex_;
  std::condition_variable open_;
  std::condition_variable entered_;
  bool held_ = false;
  std::vector<std::size_t> batches_;
};

class BatcherTest : public ::testing::Test {
 protected:
  BatcherTest() {
    auto backend = std::make_unique<FakeBackend>();
    fake_ = backend.get();
    model_.config.name = "fake";
    model_.config.inputs.push_back({"x", model::DataType::kFp32, {-1, 2}, {}});
    model_.config.outputs.push_back({"y", model::DataType::kFp32, {-1, 1}, {}});
    model_.backend = std::move(backend);
  }

  // Submits `rows` rows whose first feature is `value`; the future gets the outcome.
  std::future<JobOutcome> submit(Batcher& batcher, float value, std::size_t rows = 1,
                                 std::chrono::milliseconds timeout = 0ms) {
    auto promise = std::make_shared<std::promise<JobOutcome>>();
    Job job;
    for (std::size_t r = 0; r < rows; ++r) {
      job.rows.push_back(value + static_cast<float>(r));
      job.rows.push_back(0);
    }
    job.row_count = rows;
    if (timeout.count() > 0) job.deadline = SteadyClock::now() + timeout;
    job.done = [promise](JobOutcome&& outcome) { promise->set_value(std::move(outcome)); };
    batcher.submit(std::move(job));
    return promise->get_future();
  }

  static JobOutcome get(std::future<JobOutcome>& future) {
    EXPECT_EQ(future.wait_for(10s), std::future_status::ready);
    return future.get();
  }

  model::Model model_;
  FakeBackend* fake_ = nullptr;
};

TEST_F(BatcherTest, CombinesQueuedRequestsAndScattersOutputs) {
  model::BatchingSettings settings;
  settings.max_batch_size = 8;
  settings.max_queue_delay_us = 10'000'000;  // only a full batch goes before 10 s
  Batcher batcher(model_, settings);
  std::vector<std::future<JobOutcome>> futures;
  for (int i = 0; i < 8; ++i) futures.push_back(submit(batcher, static_cast<float>(i * 10)));
  for (int i = 0; i < 8; ++i) {
    const auto outcome = get(futures[static_cast<std::size_t>(i)]);
    EXPECT_EQ(outcome.status, 200);
    EXPECT_EQ(outcome.outputs, std::vector<float>{static_cast<float>(i * 20)});
    EXPECT_EQ(outcome.batch_rows, 8U);
  }
  EXPECT_EQ(fake_->batches(), std::vector<std::size_t>{8});
  EXPECT_EQ(batcher.stats().batches, 1);
  EXPECT_EQ(batcher.stats().rows, 8);
}

TEST_F(BatcherTest, MultiRowRequestsFillBatchesByRows) {
  model::BatchingSettings settings;
  settings.max_batch_size = 6;
  settings.max_queue_delay_us = 10'000'000;
  Batcher batcher(model_, settings);
  auto a = submit(batcher, 1, 4);
  auto b = submit(batcher, 100, 3);  // 7 rows queued: the first batch takes 4, then 3 wait
  const auto first = get(a);
  EXPECT_EQ(first.outputs, (std::vector<float>{2, 4, 6, 8}));
  auto c = submit(batcher, 500, 3);  // 6 rows queued again: sent at once
  EXPECT_EQ(get(b).outputs, (std::vector<float>{200, 202, 204}));
  EXPECT_EQ(get(c).outputs, (std::vector<float>{1000, 1002, 1004}));
  EXPECT_EQ(fake_->batches(), (std::vector<std::size_t>{4, 6}));
}

TEST_F(BatcherTest, DelayCountsFromTheOldestRequest) {
  model::BatchingSettings settings;
  settings.max_batch_size = 64;
  settings.max_queue_delay_us = 50'000;
  Batcher batcher(model_, settings);
  const auto start = SteadyClock::now();
  auto lone = submit(batcher, 1);
  const auto outcome = get(lone);
  EXPECT_EQ(outcome.status, 200);
  EXPECT_GE(SteadyClock::now() - start, 50ms);  // it waited for company, then went alone
  EXPECT_GE(outcome.call_start - start, 49ms);
  EXPECT_GE(outcome.call_end, outcome.call_start);
}

TEST_F(BatcherTest, PreferredSizeGoesWithoutWaiting) {
  model::BatchingSettings settings;
  settings.max_batch_size = 16;
  settings.max_queue_delay_us = 60'000'000;  // never, in this test
  settings.preferred_batch_sizes = {4};
  Batcher batcher(model_, settings);
  std::vector<std::future<JobOutcome>> futures;
  for (int i = 0; i < 4; ++i) futures.push_back(submit(batcher, 1));
  for (auto& future : futures) EXPECT_EQ(get(future).status, 200);
  EXPECT_EQ(fake_->batches(), std::vector<std::size_t>{4});
}

TEST_F(BatcherTest, FullQueueAnswers503AtOnce) {
  model::BatchingSettings settings;
  settings.max_batch_size = 1;
  settings.max_queue_delay_us = 0;
  settings.max_queue_size = 2;
  Batcher batcher(model_, settings);
  fake_->hold();
  auto busy = submit(batcher, 1);
  fake_->wait_for_calls(1);  // the worker is inside the model
  auto queued1 = submit(batcher, 2);
  auto queued2 = submit(batcher, 3);
  auto refused = submit(batcher, 4);
  const auto outcome = get(refused);
  EXPECT_EQ(outcome.status, 503);
  EXPECT_NE(outcome.error.find("queue is full"), std::string::npos);
  fake_->release();
  EXPECT_EQ(get(busy).status, 200);
  EXPECT_EQ(get(queued1).status, 200);
  EXPECT_EQ(get(queued2).status, 200);
  EXPECT_EQ(batcher.stats().rejected, 1);
}

TEST_F(BatcherTest, DeadlinesFireWhileWaitingAndWhileComputing) {
  model::BatchingSettings settings;
  settings.max_batch_size = 1;
  settings.max_queue_delay_us = 0;
  Batcher batcher(model_, settings);
  fake_->hold();
  auto computing = submit(batcher, 1, 1, 100ms);
  fake_->wait_for_calls(1);
  auto waiting = submit(batcher, 2, 1, 100ms);
  const auto late_waiting = get(waiting);  // answered while the model is still held
  const auto late_computing = get(computing);
  EXPECT_EQ(late_waiting.status, 504);
  EXPECT_NE(late_waiting.error.find("waiting"), std::string::npos);
  EXPECT_EQ(late_computing.status, 504);
  EXPECT_NE(late_computing.error.find("computed"), std::string::npos);
  fake_->release();  // the late result is dropped: the promise would throw if set twice
  auto after = submit(batcher, 3);
  EXPECT_EQ(get(after).status, 200);
  EXPECT_EQ(batcher.stats().timed_out, 2);
  EXPECT_EQ(fake_->batches().size(), 2U);  // the request that timed out waiting never ran
}

TEST_F(BatcherTest, DefaultTimeoutFromSettings) {
  model::BatchingSettings settings;
  settings.max_batch_size = 1;
  settings.max_queue_delay_us = 0;
  settings.timeout_us = 50'000;
  Batcher batcher(model_, settings);
  fake_->hold();
  auto job = submit(batcher, 1);
  EXPECT_EQ(get(job).status, 504);
  fake_->release();
}

TEST_F(BatcherTest, StopAnswersWhatIsQueued) {
  model::BatchingSettings settings;
  settings.max_batch_size = 1;
  settings.max_queue_delay_us = 0;
  auto batcher = std::make_unique<Batcher>(model_, settings);
  fake_->hold();
  auto running = submit(*batcher, 1);
  fake_->wait_for_calls(1);
  auto queued = submit(*batcher, 2);
  std::thread stopper([&] { batcher->stop(); });
  EXPECT_EQ(get(queued).status, 503);
  fake_->release();
  stopper.join();
  EXPECT_EQ(get(running).status, 200);
  auto after = submit(*batcher, 3);
  EXPECT_EQ(get(after).status, 503);
}

}  // namespace
}  // namespace hone::serve
