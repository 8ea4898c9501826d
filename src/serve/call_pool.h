// Threads that make a json upstream's blocking calls: one per connection it may use, fed by a
// bounded queue. A task that does not fit is refused at once (its request answers 503), and
// tasks still queued when the pool stops are told so instead of run.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace hone::serve {

class CallPool {
 public:
  // Called once: with true on a pool thread to do the work, or with false (on the thread that
  // stopped the pool) when the pool stopped before it ran.
  using Task = std::function<void(bool run)>;

  CallPool(int threads, std::size_t max_queue);
  ~CallPool();
  CallPool(const CallPool&) = delete;
  CallPool& operator=(const CallPool&) = delete;

  // False, without calling the task, when max_queue tasks already wait or the pool stopped.
  bool submit(Task task);
  // Refuses new tasks, tells the queued ones, lets running ones finish; idempotent.
  void stop();

 private:
  void run();

  std::size_t max_queue_;
  std::mutex mutex_;
  std::condition_variable work_;
  std::deque<Task> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace hone::serve
