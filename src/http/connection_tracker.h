// The set of live connections of one server, so that stop() can drain them and wait for the
// last one to go. Thread-safe; connections add themselves on start and remove on destruction.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace hone::http::detail {

class Connection;

class ConnectionTracker {
 public:
  void add(Connection* connection, std::weak_ptr<Connection> handle);
  void remove(Connection* connection);
  std::vector<std::shared_ptr<Connection>> snapshot() const;
  std::size_t size() const;
  // True when no connection is left before the deadline.
  bool wait_empty(std::chrono::steady_clock::time_point deadline) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable emptied_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
};

}  // namespace hone::http::detail
