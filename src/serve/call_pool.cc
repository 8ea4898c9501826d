#include "serve/call_pool.h"

namespace hone::serve {

CallPool::CallPool(int threads, std::size_t max_queue) : max_queue_(max_queue) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { run(); });
}

CallPool::~CallPool() { stop(); }

bool CallPool::submit(Task task) {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(task));
  }
  work_.notify_one();
  return true;
}

void CallPool::stop() {
  std::deque<Task> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    left.swap(queue_);
  }
  work_.notify_all();
  for (auto& task : left) task(false);
  for (auto& thread : threads_) thread.join();
}

void CallPool::run() {
  std::unique_lock lock(mutex_);
  while (true) {
    work_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    Task task = std::move(queue_.front());
    queue_.pop_front();
    lock.unlock();
    task(true);
    lock.lock();
  }
}

}  // namespace hone::serve
