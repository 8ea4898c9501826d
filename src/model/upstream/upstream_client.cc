#include "model/upstream/upstream_client.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/units.h"

namespace hone::model {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr int kBreakerFailures = 5;
constexpr std::uint64_t kMaxAnswerBytes = 64ULL << 20;  // larger answers fail (502)
constexpr auto kBreakerCooldown = std::chrono::seconds(1);
constexpr auto kHealthInterval = std::chrono::seconds(1);

// Kept-alive connections to one upstream, each used by one call at a time.
class ConnectionPool {
 public:
  ConnectionPool(http::Url url, milliseconds connect_timeout, milliseconds timeout)
      : url_(std::move(url)), connect_timeout_(connect_timeout), timeout_(timeout) {}

  struct Lease {
    http::Client client;
    bool reused = false;
  };

  Result<Lease> acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!idle_.empty()) {
        Lease lease{std::move(idle_.back()), true};
        idle_.pop_back();
        return lease;
      }
    }
    auto client = http::Client::connect(url_.host, url_.port, connect_timeout_);
    if (!client) return client.error();
    client->set_timeout(timeout_);
    client->set_body_limit(kMaxAnswerBytes);
    return Lease{std::move(*client), false};
  }

  void release(http::Client client) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(client));
  }

 private:
  http::Url url_;
  milliseconds connect_timeout_;
  milliseconds timeout_;
  std::mutex mutex_;
  std::vector<http::Client> idle_;
};

// Closed while calls succeed; open (refusing) for a cool-down after kBreakerFailures failures
// in a row; then one call at a time probes until one succeeds.
class Breaker {
 public:
  bool allow() {
    std::lock_guard lock(mutex_);
    if (failures_ < kBreakerFailures) return true;
    if (Clock::now() < open_until_ || probing_) return false;
    probing_ = true;
    return true;
  }
  void succeeded() {
    std::lock_guard lock(mutex_);
    failures_ = 0;
    probing_ = false;
  }
  void failed(const std::string& name) {
    std::lock_guard lock(mutex_);
    probing_ = false;
    if (++failures_ >= kBreakerFailures) {
      if (failures_ == kBreakerFailures) {
        spdlog::warn("upstream '{}' failed {} times in a row: refusing calls for {}", name,
                     kBreakerFailures, format_duration(kBreakerCooldown));
      }
      open_until_ = Clock::now() + kBreakerCooldown;
    }
  }

 private:
  std::mutex mutex_;
  int failures_ = 0;
  bool probing_ = false;
  Clock::time_point open_until_;
};

// GETs the health path once a second on its own thread; healthy() is the last answer.
class HealthPoller {
 public:
  HealthPoller(std::string name, http::Url url, std::string path, milliseconds connect_timeout)
      : name_(std::move(name)),
        url_(std::move(url)),
        path_(std::move(path)),
        connect_timeout_(connect_timeout) {
    thread_ = std::thread([this] { run(); });
  }
  ~HealthPoller() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
    thread_.join();
  }
  bool healthy() const { return healthy_.load(std::memory_order_relaxed); }

 private:
  bool check(std::optional<http::Client>& client) {
    if (!client) {
      auto made = http::Client::connect(url_.host, url_.port, connect_timeout_);
      if (!made) return false;
      made->set_timeout(std::chrono::seconds(1));
      client.emplace(std::move(*made));
    }
    auto answer = client->get(path_);
    if (!answer) client.reset();
    return answer && answer->status == 200;
  }
  void run() {
    std::optional<http::Client> client;
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      lock.unlock();
      const bool now = check(client);
      if (now != healthy_.exchange(now)) {
        if (now) {
          spdlog::info("upstream '{}' is healthy ({} answers 200)", name_, path_);
        } else {
          spdlog::warn("upstream '{}' is not healthy ({} does not answer 200)", name_, path_);
        }
      }
      lock.lock();
      wake_.wait_for(lock, kHealthInterval, [this] { return stopping_; });
    }
  }

  std::string name_;
  http::Url url_;
  std::string path_;
  milliseconds connect_timeout_;
  std::atomic<bool> healthy_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace

milliseconds to_timeout(std::int64_t us) {
  return std::max(milliseconds(1), milliseconds(us / 1000));
}

struct UpstreamClient::State {
  State(std::string n, const UpstreamSettings& s, const http::Url& url)
      : name(std::move(n)),
        settings(s),
        pool(url, to_timeout(s.connect_timeout_us), to_timeout(s.timeout_us)) {
    if (!s.health.empty()) {
      health =
          std::make_unique<HealthPoller>(name, url, s.health, to_timeout(s.connect_timeout_us));
    }
  }

  std::string name;
  UpstreamSettings settings;
  ConnectionPool pool;
  Breaker breaker;
  std::unique_ptr<HealthPoller> health;
};

UpstreamClient::UpstreamClient(std::string name, const UpstreamSettings& settings,
                               const http::Url& url)
    : state_(std::make_unique<State>(std::move(name), settings, url)) {}

UpstreamClient::~UpstreamClient() = default;

bool UpstreamClient::healthy() const { return !state_->health || state_->health->healthy(); }

Result<http::ClientResponse> UpstreamClient::call(std::string_view method,
                                                  const std::string& target, std::string_view body,
                                                  const std::vector<http::Header>& headers) {
  State& s = *state_;
  if (!s.breaker.allow()) {
    return fail("upstream '" + s.name + "' is unavailable: " + std::to_string(kBreakerFailures) +
                    " calls in a row failed; calls resume after a cool-down",
                503);
  }
  std::string last;
  for (int attempt = 0; attempt < 2; ++attempt) {
    auto lease = s.pool.acquire();
    if (!lease) {
      last = lease.error().message;
      continue;
    }
    auto answer = lease->client.request(method, target, body, headers);
    if (answer) {
      if (answer->header("Connection") != "close") s.pool.release(std::move(lease->client));
      // Its own refusal (a 4xx) says nothing about its health; a 5xx does.
      if (answer->status >= 500) {
        s.breaker.failed(s.name);
      } else {
        s.breaker.succeeded();
      }
      return answer;
    }
    const int kind = answer.error().code;
    if (kind == http::kClientTimedOut) {
      s.breaker.failed(s.name);
      return fail("upstream '" + s.name + "' did not answer within " +
                      format_duration(std::chrono::microseconds(s.settings.timeout_us)),
                  504);
    }
    last = answer.error().message;
    if (kind == http::kClientClosedEarly && lease->reused) continue;  // a stale keep-alive
    break;
  }
  s.breaker.failed(s.name);
  return fail("upstream '" + s.name + "' (" + s.settings.url + ") failed: " + last, 502);
}

}  // namespace hone::model
