// One load-generator thread: its own io_context, connection pools (one per origin), schedule
// (open model: its share of the intended send times; closed model: its share of the virtual
// users), request builder and recorder. run() blocks until the run ends or `stop` is set.
#pragma once

#include <atomic>
#include <boost/asio/ssl/context.hpp>
#include <cmath>
#include <deque>
#include <memory>
#include <random>
#include <vector>

#include "http/asio.h"
#include "load/client_connection.h"
#include "load/plan.h"
#include "load/recorder.h"
#include "load/request_builder.h"

namespace hone::load {

struct WorkerSetup {
  const LoadPlan* plan = nullptr;
  const std::vector<Origin>* origins = nullptr;
  std::vector<std::size_t> endpoint_origin;  // origin index of each endpoint
  int index = 0;                             // this worker among plan->threads
  TimePoint start;
  std::int64_t start_unix_ms = 0;
  LiveBoard* live = nullptr;
  const std::atomic<bool>* stop = nullptr;
};

class Worker {
 public:
  explicit Worker(WorkerSetup setup);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  void run();
  Recorder& recorder() { return recorder_; }
  const RequestBuilder& builder() const { return builder_; }
  TimePoint finished_at() const { return finished_at_; }

 private:
  class Pool;
  struct User {
    bool active = false;
    bool busy = false;  // a request or a think pause is under way
    std::unique_ptr<http::Timer> think;
  };

  std::uint32_t pick_endpoint();
  void submit(const Ticket& ticket);
  void ticket_done(const Ticket& ticket, bool connect_failed);
  // open model
  void pace();
  // closed model
  void adjust_users();
  void user_go(std::size_t local, std::chrono::nanoseconds pause);
  // both
  void control();
  void begin_end();
  void maybe_finish();
  std::size_t in_flight() const;
  std::int64_t open_connections() const;

  WorkerSetup setup_;
  const LoadPlan& plan_;
  asio::io_context io_{1};
  std::unique_ptr<asio::ssl::context> tls_;
  std::vector<std::unique_ptr<Pool>> pools_;
  RequestBuilder builder_;
  Recorder recorder_;
  std::mt19937_64 random_;
  std::vector<double> cumulative_weights_;
  http::Timer pacer_;
  http::Timer control_timer_;
  http::Timer end_timer_;
  std::int64_t control_ticks_ = 0;
  std::uint64_t next_slot_ = 0;  // open model: this worker's next request of the schedule
  bool pacing_done_ = false;
  std::vector<User> users_;  // closed model: this worker's share of the users
  bool ending_ = false;
  bool finished_ = false;
  TimePoint end_deadline_;
  TimePoint finished_at_;
};

}  // namespace hone::load
