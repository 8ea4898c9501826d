// An HTTP server for load-generator tests, on loopback port 0, whose behaviour the test sets:
// a fixed answer delay, periodic stalls (every `stall_every`, the server answers nothing for
// `stall_for`, then everything at once), a status and body, or no answer at all. It records
// what it received. Delayed answers are sent from a scheduler thread, so the I/O threads never
// sleep.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <queue>
#include <string>
#include <thread>
#include <vector>

#include "http/server.h"

namespace hone::test {

struct TestServerOptions {
  std::chrono::microseconds delay{0};
  std::chrono::milliseconds stall_every{0};  // 0: never stall
  std::chrono::milliseconds stall_for{0};
  std::chrono::milliseconds stall_offset{0};  // first stall starts this long after start()
  int status = 200;
  std::string body = R"({"ok":true})";
  bool never_answer = false;
  // One request at a time: each answer comes `delay` after the previous one, so the server has
  // a fixed capacity (1/delay per second) and a queue that grows beyond it.
  bool serial = false;
  int threads = 1;
};

class TestServer {
 public:
  explicit TestServer(TestServerOptions options = {});
  ~TestServer();

  std::uint16_t port() const { return server_->port(); }
  std::string url(const std::string& path = "/") const;

  std::int64_t requests() const;
  std::vector<std::string> bodies() const;            // in arrival order
  std::vector<std::string> methods() const;           // in arrival order
  std::map<std::string, std::int64_t> paths() const;  // path -> count
  std::vector<std::string> header_values(const std::string& name) const;

 private:
  struct Pending {
    std::chrono::steady_clock::time_point due;
    std::uint64_t order;
    std::shared_ptr<http::Responder> responder;
    bool operator>(const Pending& other) const {
      return due != other.due ? due > other.due : order > other.order;
    }
  };

  void handle(http::Request& request, http::Responder responder);
  std::chrono::steady_clock::time_point due_time(std::chrono::steady_clock::time_point now);
  void schedule_loop();
  http::Response answer() const;

  TestServerOptions options_;
  std::unique_ptr<http::Server> server_;
  std::chrono::steady_clock::time_point started_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;
  std::vector<http::Responder> held_;  // never_answer: kept until the server stops
  std::uint64_t order_ = 0;
  std::chrono::steady_clock::time_point last_due_{};  // serial: when the last answer is due
  bool stopping_ = false;
  std::int64_t requests_ = 0;
  std::vector<std::string> bodies_;
  std::vector<std::string> methods_;
  std::map<std::string, std::int64_t> paths_;
  std::vector<std::vector<http::Header>> headers_;
  std::thread scheduler_;
};

}  // namespace hone::test
