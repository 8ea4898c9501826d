#include "http/connection_tracker.h"

namespace hone::http::detail {

void ConnectionTracker::bound(std::size_t max, std::function<void()> resume) {
  std::lock_guard lock(mutex_);
  max_ = max;
  resume_ = std::move(resume);
}

bool ConnectionTracker::add(Connection* connection, std::weak_ptr<Connection> handle) {
  std::lock_guard lock(mutex_);
  live_.emplace(connection, std::move(handle));
  full_ = max_ > 0 && live_.size() >= max_;
  return !full_;
}

void ConnectionTracker::remove(Connection* connection) {
  std::lock_guard lock(mutex_);
  if (live_.erase(connection) == 0) return;
  if (full_ && live_.size() < max_) {
    full_ = false;
    if (resume_) resume_();
  }
  if (live_.empty()) emptied_.notify_all();
}

std::vector<std::shared_ptr<Connection>> ConnectionTracker::snapshot() const {
  std::vector<std::shared_ptr<Connection>> out;
  std::lock_guard lock(mutex_);
  out.reserve(live_.size());
  for (const auto& [pointer, handle] : live_) {
    if (auto connection = handle.lock()) out.push_back(std::move(connection));
  }
  return out;
}

std::size_t ConnectionTracker::size() const {
  std::lock_guard lock(mutex_);
  return live_.size();
}

bool ConnectionTracker::wait_empty(std::chrono::steady_clock::time_point deadline) const {
  std::unique_lock lock(mutex_);
  return emptied_.wait_until(lock, deadline, [this] { return live_.empty(); });
}

}  // namespace hone::http::detail
