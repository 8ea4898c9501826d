#include "serve/batcher.h"

#include <algorithm>

namespace hone::serve {
namespace {

JobOutcome failure(int status, std::string message) {
  JobOutcome outcome;
  outcome.status = status;
  outcome.error = std::move(message);
  outcome.call_start = outcome.call_end = SteadyClock::now();
  return outcome;
}

}  // namespace

Batcher::Batcher(const model::Model& model, model::BatchingSettings settings,
                 ExecutionObserver observer)
    : model_(model), settings_(std::move(settings)), observer_(std::move(observer)) {
  for (int i = 0; i < std::max(1, settings_.workers); ++i)
    workers_.emplace_back([this] { work(); });
  deadline_thread_ = std::thread([this] { watch_deadlines(); });
}

Batcher::~Batcher() { stop(); }

void Batcher::submit(Job job) {
  if (job.deadline == SteadyClock::time_point::max() && settings_.timeout_us > 0) {
    job.deadline = SteadyClock::now() + std::chrono::microseconds(settings_.timeout_us);
  }
  auto pending = std::make_shared<Pending>();
  pending->job = std::move(job);
  pending->enqueued = SteadyClock::now();
  std::unique_lock lock(mutex_);
  if (stopping_ || queue_.size() >= settings_.max_queue_size) {
    ++stats_.rejected;
    const bool stopping = stopping_;
    lock.unlock();
    pending->job.done(failure(
        503, stopping ? "the server is shutting down"
                      : "model '" + model_.config.name + "' is overloaded: its queue is full"));
    return;
  }
  queued_rows_ += pending->job.row_count;
  const bool has_deadline = pending->job.deadline != SteadyClock::time_point::max();
  if (has_deadline) deadlines_.emplace(pending->job.deadline, pending);
  queue_.push_back(std::move(pending));
  lock.unlock();
  work_ready_.notify_one();
  if (has_deadline) deadline_changed_.notify_one();
}

// Waits for a batch worth sending (see the header), then takes it from the queue.
std::vector<Batcher::PendingPtr> Batcher::take_batch(std::unique_lock<std::mutex>& lock) {
  while (true) {
    work_ready_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return {};  // stopping
    const auto send_by =
        queue_.front()->enqueued + std::chrono::microseconds(settings_.max_queue_delay_us);
    std::size_t target = settings_.max_batch_size;
    const auto ready = [&] {
      if (stopping_ || queue_.empty() || queued_rows_ >= settings_.max_batch_size) return true;
      for (auto it = settings_.preferred_batch_sizes.rbegin();
           it != settings_.preferred_batch_sizes.rend(); ++it) {
        if (queued_rows_ >= *it) return true;
      }
      return false;
    };
    work_ready_.wait_until(lock, send_by, ready);
    if (queue_.empty()) continue;  // the deadline thread took what was there
    // A preferred size that the queue can fill exactly is sent as is.
    if (queued_rows_ < settings_.max_batch_size) {
      for (auto it = settings_.preferred_batch_sizes.rbegin();
           it != settings_.preferred_batch_sizes.rend(); ++it) {
        if (queued_rows_ >= *it) {
          target = *it;
          break;
        }
      }
    }
    std::vector<PendingPtr> batch;
    std::size_t rows = 0;
    while (!queue_.empty()) {
      const std::size_t next = queue_.front()->job.row_count;
      if (!batch.empty() && rows + next > target) break;
      rows += next;
      queued_rows_ -= next;
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    return batch;
  }
}

void Batcher::work() {
  std::unique_lock lock(mutex_);
  while (true) {
    auto batch = take_batch(lock);
    if (batch.empty()) return;
    lock.unlock();
    run_batch(batch);
    lock.lock();
  }
}

void Batcher::run_batch(std::vector<PendingPtr>& batch) {
  // Requests whose deadline already fired are left out of the computation.
  std::erase_if(batch, [](const PendingPtr& p) { return p->answered.load(); });
  if (batch.empty()) return;
  const auto width = static_cast<std::size_t>(model_.input().row_width());
  const auto out_width = static_cast<std::size_t>(model_.output().row_width());
  std::size_t rows = 0;
  for (const auto& p : batch) rows += p->job.row_count;
  const auto gather_start = SteadyClock::now();
  std::vector<float> input;
  const std::vector<float>* source = &batch.front()->job.rows;
  if (batch.size() > 1) {
    input.reserve(rows * width);
    for (const auto& p : batch) input.insert(input.end(), p->job.rows.begin(), p->job.rows.end());
    source = &input;
  }
  std::vector<float> output(rows * out_width);
  const auto start = SteadyClock::now();
  const Status status = model_.backend->predict(*source, rows, output);
  const auto end = SteadyClock::now();
  {
    std::lock_guard lock(mutex_);
    ++stats_.batches;
    stats_.rows += static_cast<std::int64_t>(rows);
  }
  // Each job's slice of the outputs first, then the answers: encoding and sending them is the
  // requests' time, not the batch's.
  std::vector<JobOutcome> outcomes(batch.size());
  std::size_t offset = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    JobOutcome& outcome = outcomes[i];
    const std::size_t count = batch[i]->job.row_count * out_width;
    if (status) {
      outcome.outputs.assign(output.begin() + static_cast<std::ptrdiff_t>(offset),
                             output.begin() + static_cast<std::ptrdiff_t>(offset + count));
    } else {
      set_failure(outcome, status.error());
    }
    outcome.call_start = start;
    outcome.call_end = end;
    outcome.batch_rows = rows;
    offset += count;
  }
  if (observer_)
    observer_(Execution{rows, start - gather_start, end - start, SteadyClock::now() - end});
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (claim(*batch[i])) batch[i]->job.done(std::move(outcomes[i]));
  }
}

// Answers 504 for every request whose deadline passes, queued or being computed.
void Batcher::watch_deadlines() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (deadlines_.empty()) {
      deadline_changed_.wait(lock);
      continue;
    }
    const auto next = deadlines_.begin()->first;
    if (SteadyClock::now() < next) {
      deadline_changed_.wait_until(lock, next);
      continue;
    }
    auto pending = deadlines_.begin()->second.lock();
    deadlines_.erase(deadlines_.begin());
    if (!pending || pending->answered.load()) continue;
    const auto it = std::find(queue_.begin(), queue_.end(), pending);
    const bool waiting = it != queue_.end();
    if (waiting) {
      queued_rows_ -= pending->job.row_count;
      queue_.erase(it);
    }
    if (!claim(*pending)) continue;
    ++stats_.timed_out;
    lock.unlock();
    pending->job.done(
        failure(504, waiting ? "timed out waiting in model '" + model_.config.name + "' queue"
                             : "timed out while model '" + model_.config.name + "' computed"));
    lock.lock();
  }
}

void Batcher::stop() {
  std::deque<PendingPtr> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    left.swap(queue_);
    queued_rows_ = 0;
  }
  work_ready_.notify_all();
  deadline_changed_.notify_all();
  // Queued requests are answered now, not after the batch being computed.
  for (auto& pending : left) {
    if (claim(*pending)) pending->job.done(failure(503, "the server is shutting down"));
  }
  for (auto& worker : workers_) worker.join();
  deadline_thread_.join();
}

BatcherStats Batcher::stats() const {
  std::lock_guard lock(mutex_);
  BatcherStats out = stats_;
  out.queued = queue_.size();
  return out;
}

}  // namespace hone::serve
