#include "load/worker.h"

#include <time.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include "report/result.h"

namespace hone::load {
namespace {

using std::chrono::nanoseconds;
constexpr auto kControlPeriod = std::chrono::milliseconds(100);
constexpr auto kLateSend = std::chrono::milliseconds(1);
constexpr auto kConnectBackoff = std::chrono::milliseconds(100);
constexpr std::size_t kMaxConnecting = 4;  // connection attempts in flight per pool

std::int64_t unix_seconds_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

nanoseconds seconds_to_ns(double seconds) {
  return nanoseconds(static_cast<std::int64_t>(seconds * 1e9));
}

}  // namespace

// The connections of one worker to one origin, and the requests waiting for one of them.
class Worker::Pool final : public ConnectionEvents {
 public:
  Pool(Worker& worker, const Origin& origin, int max_connections)
      : worker_(worker), origin_(origin), max_(std::max(1, max_connections)) {}

  void submit(const Ticket& ticket) {
    if (!idle_.empty()) {
      ClientConnection* connection = idle_.back();
      idle_.pop_back();
      send(*connection, ticket, false);
      return;
    }
    waiting_.push_back(ticket);
    grow();
  }

  // Forgets the requests still waiting for a connection (the run is over); returns them.
  std::deque<Ticket> drop_waiting() { return std::exchange(waiting_, {}); }
  std::size_t busy() const { return busy_; }
  std::int64_t open() const { return open_; }

  void close_all() {
    for (auto& connection : all_) connection->close();
    idle_.clear();
  }

  void on_connected(ClientConnection& connection, bool ok) override {
    --connecting_;
    if (ok) {
      ++open_;
      worker_.recorder_.connections(worker_.open_connections());
      take_next(connection);
      return;
    }
    spare_.push_back(&connection);
    if (!waiting_.empty()) {
      const Ticket ticket = waiting_.front();
      waiting_.pop_front();
      worker_.recorder_.failure(ticket.endpoint, report::kErrorConnect, Clock::now(), 0);
      worker_.ticket_done(ticket, true);
    }
    grow();
  }

  void on_answer(ClientConnection& connection, const Ticket& ticket, const ResponseParser& response,
                 TimePoint sent, TimePoint done, std::int64_t bytes_in,
                 std::int64_t bytes_out) override {
    --busy_;
    const Expectation& expect = worker_.plan_.endpoints[ticket.endpoint].expect;
    const bool unexpected = !expect.accepts(response.status());
    const bool body_ok =
        !expect.needs_body() || response.body().find(expect.body_contains) != std::string::npos;
    const char* failure = unexpected || !body_ok ? report::kErrorCheck : nullptr;
    worker_.recorder_.answer(ticket.endpoint, response.status(), failure, unexpected,
                             ticket.intended, sent, done, bytes_in, bytes_out);
    release(connection);
    worker_.ticket_done(ticket, false);
  }

  void on_failure(ClientConnection& connection, const Ticket& ticket, const char* kind,
                  TimePoint done, std::int64_t bytes_out) override {
    --busy_;
    release(connection);
    // Kinds are compared by text: the same literal may sit at another address in each file.
    const std::string_view what(kind);
    if (what == kConnectionGone && !worker_.ending_) {
      waiting_.push_front(ticket);  // never written: sent on another connection, not counted
      grow();
      return;
    }
    if (what == kConnectionGone) kind = report::kErrorReset;
    if (what == kStaleConnection && !ticket.retried && !worker_.ending_) {
      Ticket again = ticket;
      again.retried = true;
      waiting_.push_front(again);
      grow();
      return;
    }
    if (what == kStaleConnection) kind = report::kErrorReset;
    worker_.recorder_.failure(ticket.endpoint, kind, done, bytes_out);
    worker_.ticket_done(ticket, false);
  }

 private:
  void send(ClientConnection& connection, const Ticket& ticket, bool waited) {
    const TimePoint now = Clock::now();
    const auto lag = now - ticket.intended;
    worker_.recorder_.sent(lag, !waited && lag > kLateSend);
    const EndpointPlan& endpoint = worker_.plan_.endpoints[ticket.endpoint];
    ++busy_;
    connection.send(ticket, worker_.builder_.build(ticket.endpoint, unix_seconds_now()),
                    endpoint.expect.needs_body(), endpoint.method == "HEAD");
  }

  // A connection finished its request: reuse it, or count it closed.
  void release(ClientConnection& connection) {
    if (!connection.open()) {
      --open_;
      spare_.push_back(&connection);
      grow();
      return;
    }
    take_next(connection);
  }

  // An open, free connection sends the oldest waiting request, or waits idle for one.
  void take_next(ClientConnection& connection) {
    if (!waiting_.empty() && !worker_.ending_) {
      const Ticket ticket = waiting_.front();
      waiting_.pop_front();
      send(connection, ticket, true);
    } else {
      idle_.push_back(&connection);
    }
  }

  // Opens connections for waiting requests, up to the cap, a few at a time: at a high rate a
  // request per new connection would storm the server with handshakes, while connections
  // that finish their request serve the queue within microseconds.
  void grow() {
    while (!worker_.ending_ && waiting_.size() > connecting_ && connecting_ < kMaxConnecting &&
           open_ + static_cast<std::int64_t>(connecting_) < max_) {
      ClientConnection* connection = nullptr;
      if (!spare_.empty()) {
        connection = spare_.back();
        spare_.pop_back();
      } else {
        all_.push_back(
            make_connection(worker_.io_, origin_, worker_.tls_.get(), settings(), *this));
        connection = all_.back().get();
      }
      ++connecting_;
      worker_.recorder_.connection_opened();
      connection->connect();
    }
  }

  ConnectionSettings settings() const {
    return {seconds_to_ns(worker_.plan_.timeout_s), worker_.plan_.insecure};
  }

  Worker& worker_;
  const Origin& origin_;
  std::int64_t max_;
  std::vector<std::unique_ptr<ClientConnection>> all_;
  std::vector<ClientConnection*> idle_;
  std::vector<ClientConnection*> spare_;  // closed, ready to reconnect
  std::deque<Ticket> waiting_;
  std::size_t connecting_ = 0;
  std::size_t busy_ = 0;
  std::int64_t open_ = 0;
};

namespace {
// CPU time of the calling thread: how busy the generator itself was.
double thread_cpu_seconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

std::vector<std::string> endpoint_names(const LoadPlan& plan) {
  std::vector<std::string> names;
  for (const auto& endpoint : plan.endpoints) names.push_back(endpoint.name);
  return names;
}
}  // namespace

Worker::Worker(WorkerSetup setup)
    : setup_(std::move(setup)),
      plan_(*setup_.plan),
      builder_(plan_, plan_.seed * 7919 + static_cast<std::uint64_t>(setup_.index)),
      recorder_(endpoint_names(plan_), setup_.start, setup_.start_unix_ms, setup_.live),
      random_(plan_.seed * 104729 + static_cast<std::uint64_t>(setup_.index)),
      pacer_(io_.get_executor()),
      control_timer_(io_.get_executor()),
      end_timer_(io_.get_executor()) {
  bool any_tls = false;
  for (const auto& origin : *setup_.origins) any_tls = any_tls || origin.tls;
  if (any_tls) {
    tls_ = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
    if (plan_.insecure) {
      tls_->set_verify_mode(asio::ssl::verify_none);
    } else {
      tls_->set_default_verify_paths();
    }
  }
  const int share = (plan_.connections + plan_.threads - 1) / plan_.threads;
  for (const auto& origin : *setup_.origins) {
    pools_.push_back(std::make_unique<Pool>(*this, origin, share));
  }
  double total = 0;
  for (const auto& endpoint : plan_.endpoints) {
    total += endpoint.weight;
    cumulative_weights_.push_back(total);
  }
  if (plan_.model == LoadModel::kClosed) {
    const auto most = static_cast<std::uint64_t>(std::ceil(plan_.profile.max_value()));
    const auto stride = static_cast<std::uint64_t>(plan_.shard_count) * plan_.threads;
    const auto offset = static_cast<std::uint64_t>(plan_.shard_index) +
                        static_cast<std::uint64_t>(plan_.shard_count) * setup_.index;
    for (std::uint64_t g = offset; g < most; g += stride) users_.emplace_back();
    for (auto& user : users_) user.think = std::make_unique<http::Timer>(io_.get_executor());
  }
}

Worker::~Worker() = default;

std::int64_t Worker::open_connections() const {
  std::int64_t open = 0;
  for (const auto& pool : pools_) open += pool->open();
  return open;
}

std::size_t Worker::in_flight() const {
  std::size_t busy = 0;
  for (const auto& pool : pools_) busy += pool->busy();
  return busy;
}

std::uint32_t Worker::pick_endpoint() {
  if (cumulative_weights_.size() == 1) return 0;
  std::uniform_real_distribution<double> draw(0, cumulative_weights_.back());
  const double x = draw(random_);
  const auto it = std::upper_bound(cumulative_weights_.begin(), cumulative_weights_.end(), x);
  return static_cast<std::uint32_t>(
      std::min<std::ptrdiff_t>(it - cumulative_weights_.begin(),
                               static_cast<std::ptrdiff_t>(cumulative_weights_.size()) - 1));
}

void Worker::submit(const Ticket& ticket) {
  pools_[setup_.endpoint_origin[ticket.endpoint]]->submit(ticket);
}

void Worker::run() {
  if (plan_.model == LoadModel::kOpen) {
    asio::post(io_, [this] { pace(); });
  }
  asio::post(io_, [this] { control(); });
  // The run ends exactly at the profile's end, not at the next control tick.
  end_timer_.expires_at(setup_.start + seconds_to_ns(plan_.profile.total_seconds()));
  end_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error && !ending_) begin_end();
  });
  const double cpu_before = thread_cpu_seconds();
  io_.run();
  recorder_.finish();
  recorder_.schedule().cpu.used_s = thread_cpu_seconds() - cpu_before;
}

// Submits every request whose intended time has come, then sleeps until the next one.
void Worker::pace() {
  if (ending_ || pacing_done_) return;
  const TimePoint now = Clock::now();
  const auto stride = static_cast<std::uint64_t>(plan_.shard_count) * plan_.threads;
  const auto offset = static_cast<std::uint64_t>(plan_.shard_index) +
                      static_cast<std::uint64_t>(plan_.shard_count) * setup_.index;
  while (true) {
    const double n = static_cast<double>(offset + stride * next_slot_);
    const double at = plan_.profile.time_of(n + 0.5);
    if (at < 0) {
      pacing_done_ = true;
      return;
    }
    const TimePoint intended = setup_.start + seconds_to_ns(at);
    if (intended > now) {
      pacer_.expires_at(intended);
      pacer_.async_wait([this](const boost::system::error_code& error) {
        if (!error) pace();
      });
      return;
    }
    ++next_slot_;
    recorder_.intended(1);
    submit(Ticket{intended, pick_endpoint(), -1, false});
  }
}

void Worker::control() {
  if (finished_) return;
  const TimePoint now = Clock::now();
  const double elapsed = std::chrono::duration<double>(now - setup_.start).count();
  if (!ending_ && (setup_.stop->load() || elapsed >= plan_.profile.total_seconds())) begin_end();
  if (!ending_ && plan_.model == LoadModel::kClosed) adjust_users();
  if (ending_ && now >= end_deadline_) {
    for (auto& pool : pools_) pool->close_all();  // answers overdue beyond their timeout
    finished_ = true;
    finished_at_ = now;
    io_.stop();
    return;
  }
  // Ticks on a fixed grid from the start, so that they do not drift with the work done.
  ++control_ticks_;
  control_timer_.expires_at(setup_.start + kControlPeriod * control_ticks_);
  control_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) control();
  });
}

void Worker::adjust_users() {
  const double elapsed = std::chrono::duration<double>(Clock::now() - setup_.start).count();
  const auto target = static_cast<std::uint64_t>(std::llround(plan_.profile.value_at(elapsed)));
  const auto stride = static_cast<std::uint64_t>(plan_.shard_count) * plan_.threads;
  const auto offset = static_cast<std::uint64_t>(plan_.shard_index) +
                      static_cast<std::uint64_t>(plan_.shard_count) * setup_.index;
  for (std::size_t k = 0; k < users_.size(); ++k) {
    User& user = users_[k];
    const bool wanted = offset + stride * k < target;
    if (wanted && !user.active) {
      user.active = true;
      if (!user.busy) user_go(k, nanoseconds(0));
    } else if (!wanted && user.active) {
      user.active = false;
      user.think->cancel();
    }
  }
}

void Worker::user_go(std::size_t local, nanoseconds pause) {
  User& user = users_[local];
  user.busy = true;
  const auto go = [this, local] {
    submit(Ticket{Clock::now(), pick_endpoint(), static_cast<std::int32_t>(local), false});
  };
  if (pause.count() <= 0) {
    go();
    return;
  }
  user.think->expires_after(pause);
  user.think->async_wait([this, local, go](const boost::system::error_code&) {
    // Cancelled or not, what counts is whether the user should still be running: it may have
    // been stopped and started again while the pause was being cancelled.
    User& waiting = users_[local];
    if (!waiting.active || ending_) {
      waiting.busy = false;
      maybe_finish();
      return;
    }
    go();
  });
}

void Worker::ticket_done(const Ticket& ticket, bool connect_failed) {
  if (ticket.vu >= 0) {
    User& user = users_[static_cast<std::size_t>(ticket.vu)];
    user.busy = false;
    if (user.active && !ending_) {
      nanoseconds pause(0);
      if (plan_.think_max_s > 0) {
        std::uniform_real_distribution<double> think(plan_.think_min_s, plan_.think_max_s);
        pause = seconds_to_ns(think(random_));
      }
      if (connect_failed) pause = std::max<nanoseconds>(pause, kConnectBackoff);
      user_go(static_cast<std::size_t>(ticket.vu), pause);
    }
  }
  maybe_finish();
}

void Worker::begin_end() {
  ending_ = true;
  pacer_.cancel();
  for (auto& user : users_) {
    user.active = false;
    user.think->cancel();
  }
  for (auto& pool : pools_) {
    // Users whose request never got a connection are idle now.
    for (const Ticket& ticket : pool->drop_waiting()) {
      if (ticket.vu >= 0) users_[static_cast<std::size_t>(ticket.vu)].busy = false;
    }
  }
  if (plan_.model == LoadModel::kOpen && !pacing_done_) {
    // Requests the schedule wanted before now but that were never generated count as
    // intended and not sent: the run was behind.
    const double elapsed = std::chrono::duration<double>(Clock::now() - setup_.start).count();
    const auto stride = static_cast<std::uint64_t>(plan_.shard_count) * plan_.threads;
    const auto offset = static_cast<std::uint64_t>(plan_.shard_index) +
                        static_cast<std::uint64_t>(plan_.shard_count) * setup_.index;
    while (true) {
      const double at =
          plan_.profile.time_of(static_cast<double>(offset + stride * next_slot_) + 0.5);
      if (at < 0 || at >= elapsed) break;
      recorder_.intended(1);
      ++next_slot_;
    }
  }
  end_deadline_ = Clock::now() + seconds_to_ns(plan_.timeout_s + 1);
  maybe_finish();
}

void Worker::maybe_finish() {
  if (!ending_ || finished_ || in_flight() > 0) return;
  for (auto& user : users_) {
    if (user.busy) return;  // a think timer is still winding down
  }
  for (auto& pool : pools_) pool->close_all();
  pacer_.cancel();
  control_timer_.cancel();
  end_timer_.cancel();
  finished_ = true;
  finished_at_ = Clock::now();
  io_.stop();
}

}  // namespace hone::load
