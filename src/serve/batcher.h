// Dynamic batching for one model, in the manner of Triton's dynamic batcher: requests queue up
// (bounded: overflow is refused at once with 503), a worker takes the oldest and waits at most
// max_queue_delay from its arrival for more, sends a preferred batch size as soon as the queue
// holds one, and otherwise the largest batch up to max_batch_size rows. Per-request deadlines
// fire from their own thread, while waiting or while the model computes (504); a result that
// comes after its deadline is dropped.
//
// submit() is called from I/O threads and never blocks on the model; `done` callbacks run on the
// batcher's worker or deadline threads. stop() answers what is still queued with 503.
#pragma once

#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "serve/model_runner.h"

namespace hone::serve {

struct BatcherStats {
  std::int64_t batches = 0;
  std::int64_t rows = 0;
  std::int64_t rejected = 0;  // queue full or stopping
  std::int64_t timed_out = 0;
  std::size_t queued = 0;  // requests waiting now
};

class Batcher final : public ModelRunner {
 public:
  Batcher(const model::Model& model, model::BatchingSettings settings,
          ExecutionObserver observer = {});
  ~Batcher() override;

  void submit(Job job) override;
  void stop() override;
  BatcherStats stats() const;

 private:
  struct Pending {
    Job job;
    SteadyClock::time_point enqueued;
    std::atomic<bool> answered{false};
  };
  using PendingPtr = std::shared_ptr<Pending>;

  void work();
  void watch_deadlines();
  std::vector<PendingPtr> take_batch(std::unique_lock<std::mutex>& lock);
  void run_batch(std::vector<PendingPtr>& batch);
  static bool claim(Pending& pending) { return !pending.answered.exchange(true); }

  const model::Model& model_;
  model::BatchingSettings settings_;
  ExecutionObserver observer_;
  mutable std::mutex mutex_;
  std::condition_variable work_ready_;
  std::condition_variable deadline_changed_;
  std::deque<PendingPtr> queue_;
  std::size_t queued_rows_ = 0;
  std::multimap<SteadyClock::time_point, std::weak_ptr<Pending>> deadlines_;
  bool stopping_ = false;
  BatcherStats stats_;
  std::vector<std::thread> workers_;
  std::thread deadline_thread_;
};

}  // namespace hone::serve
