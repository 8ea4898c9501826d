// The set of live connections of one server, so that stop() can drain them and wait for the
// last one to go, and the bound on how many may be open (the acceptor pauses at it, as nginx
// does at worker_connections). Thread-safe; the acceptor adds a connection when it accepts it,
// and the connection removes itself when it closes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace hone::http::detail {

class Connection;

class ConnectionTracker {
 public:
  // At most `max` open connections (0: no bound); `resume` is called, under the tracker's lock,
  // when one closes after add() said there was no room (an empty `resume` calls nothing).
  void bound(std::size_t max, std::function<void()> resume);
  // False when the connections open, this one included, have reached the bound: accept no more
  // until `resume` is called.
  bool add(Connection* connection, std::weak_ptr<Connection> handle);
  void remove(Connection* connection);
  std::vector<std::shared_ptr<Connection>> snapshot() const;
  std::size_t size() const;
  // True when no connection is left before the deadline.
  bool wait_empty(std::chrono::steady_clock::time_point deadline) const;

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable emptied_;
  std::unordered_map<Connection*, std::weak_ptr<Connection>> live_;
  std::size_t max_ = 0;
  bool full_ = false;
  std::function<void()> resume_;
};

}  // namespace hone::http::detail
