// A fleet as deploy/ describes it: three hone serve instances sharing one Redis, behind a real
// HAProxy (deploy/haproxy.cfg) or nginx (deploy/nginx.conf) from Debian, with hone load driving
// requests through the balancer. A prediction one instance computed is an L2 hit on another;
// SIGTERM to one instance mid-run fails no request; the instance comes back and takes traffic.
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <csignal>
#include <memory>
#include <thread>

#include "support/fixture_files.h"
#include "support/listener.h"
#include "support/redis_process.h"
#include "support/served.h"
#include "support/temp_dir.h"
#include "support/text.h"

namespace hone::test {
namespace {

enum class Balancer { kHaproxy, kNginx };

constexpr const char* kHaproxy = "/usr/sbin/haproxy";
constexpr const char* kNginx = "/usr/sbin/nginx";
const std::string kPredict = "/v1/models/ceramic-armor:predict";
const std::string kAnswered = R"(hone_requests_total{model="ceramic-armor",status="200"})";

std::string row(int first) {
  return R"({"instances":[[)" + std::to_string(first) + R"(,20,10,5,5,1800,2,30,3,1.5,98.5,10]]})";
}

void pause_briefly() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

// An instance that passes its health checks but closes every other request's connection
// without a word, as a process dying with requests inside does. It counts what it dropped.
class DyingInstance {
 public:
  DyingInstance() {
    const LoopbackListener listener = listen_on_loopback(64);
    listener_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { run(); });
  }
  ~DyingInstance() {
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
  }
  std::uint16_t port() const { return port_; }
  int predictions() const { return predictions_; }
  int changes() const { return changes_; }

 private:
  void run() {
    for (;;) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      timeval limit{2, 0};
      ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
      serve(fd);
      ::close(fd);
    }
  }
  void serve(int fd) {
    std::string received;
    char chunk[4096];
    auto header_end = std::string::npos;
    while ((header_end = received.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) return;
      received.append(chunk, static_cast<std::size_t>(n));
    }
    if (received.rfind("GET /v2/health/", 0) == 0) {
      const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      ::send(fd, ok.data(), ok.size(), MSG_NOSIGNAL);
      return;
    }
    // Read the whole body first, so that the close is an orderly one, not a reset.
    std::size_t length = 0;
    const auto field = received.find("ontent-Length: ");
    if (field != std::string::npos && field < header_end) {
      length = std::stoul(received.substr(field + 15));
    }
    while (received.size() < header_end + 4 + length) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      received.append(chunk, static_cast<std::size_t>(n));
    }
    if (received.find(" /v2/repository/") != std::string::npos) {
      ++changes_;
    } else {
      ++predictions_;
    }
  }

  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<int> predictions_{0};
  std::atomic<int> changes_{0};
  std::thread thread_;
};

class Fleet : public ::testing::TestWithParam<Balancer> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(RedisProcess::available()) << "redis-server missing: run scripts/setup --test";
    ASSERT_EQ(::access(kHaproxy, X_OK), 0) << "haproxy missing: run scripts/setup --test";
    ASSERT_EQ(::access(kNginx, X_OK), 0) << "nginx missing: run scripts/setup --test";
    redis_ = std::make_unique<RedisProcess>();
    for (std::size_t i = 0; i < ports_.size(); ++i) {
      ports_[i] = free_port();
      start_instance(i);
    }
    start_balancer(ports_);
  }

  // The deploy file with this machine's ports, run in the foreground; returns once it answers.
  void start_balancer(const std::array<std::uint16_t, 3>& backends) {
    stop_balancer();
    balancer_port_ = free_port();
    const bool haproxy = GetParam() == Balancer::kHaproxy;
    std::string config = read_whole_file(std::string(HONE_SOURCE_DIR) +
                                         (haproxy ? "/deploy/haproxy.cfg" : "/deploy/nginx.conf"));
    const int each = haproxy ? 2 : 1;  // HAProxy names each instance in two backends
    for (std::size_t i = 0; i < backends.size(); ++i) {
      const std::string server = "127.0.0.1:800" + std::to_string(i + 1);
      EXPECT_EQ(count_of(config, server), each) << server;
      config = replaced(config, server, "127.0.0.1:" + std::to_string(backends[i]));
    }
    const std::string listen = "127.0.0.1:" + std::to_string(balancer_port_);
    if (haproxy) {
      config = replaced(config, "bind :8000", "bind " + listen);
      const std::string path = dir_.write("haproxy.cfg", config);
      balancer_ = std::make_unique<ChildProcess>(std::vector<std::string>{kHaproxy, "-f", path});
    } else {
      config = replaced(config, "listen 8000;", "listen " + listen + ";");
      const std::string path = dir_.write("nginx.conf", config);
      balancer_ = std::make_unique<ChildProcess>(std::vector<std::string>{
          kNginx, "-c", path, "-p", dir_.path().string(), "-e",
          (dir_.path() / "error.log").string(), "-g",
          "daemon off; pid " + (dir_.path() / "nginx.pid").string() + ";"});
    }
    ASSERT_TRUE(eventually(
        [&] {
          pause_briefly();
          auto client = http::Client::connect("127.0.0.1", balancer_port_);
          if (!client) return false;
          const auto ready = client->get("/v2/health/ready");
          return ready && ready->status == 200;
        },
        std::chrono::seconds(20)))
        << "the balancer never answered";
  }

  void TearDown() override { stop_balancer(); }

  // SIGTERM, not the SIGKILL a ChildProcess gets when it goes: nginx's master then stops its
  // workers, which SIGKILL would leave running.
  void stop_balancer() {
    if (!balancer_) return;
    balancer_->signal(SIGTERM);
    balancer_->wait();  // HAProxy dies of it, nginx exits 0: either way it is gone
    balancer_.reset();
  }

  void start_instance(std::size_t i) {
    instances_[i] = std::make_unique<ChildProcess>(std::vector<std::string>{
        kHone, "serve", "--models", kExamples, "--port", std::to_string(ports_[i]), "--threads",
        "1", "--redis", "redis://127.0.0.1:" + std::to_string(redis_->port()), "--drain-timeout",
        "5s"});
    ASSERT_EQ(listening_port(instances_[i]->read_line()), ports_[i])
        << instances_[i]->stderr_text();
  }

  double sum(const std::string& series) const {
    double total = 0;
    for (const auto port : ports_) total += std::max(0.0, metric_value(port, series));
    return total;
  }

  TempDir dir_;
  std::unique_ptr<RedisProcess> redis_;
  std::array<std::uint16_t, 3> ports_{};
  std::array<std::unique_ptr<ChildProcess>, 3> instances_;
  std::uint16_t balancer_port_ = 0;
  std::unique_ptr<ChildProcess> balancer_;
};

// hone load through the balancer on a thread of its own, joined however the test ends.
class LoadThrough {
 public:
  LoadThrough(std::uint16_t port, std::vector<std::string> extra) {
    std::vector<std::string> args = {
        kHone, "load", "http://127.0.0.1:" + std::to_string(port) + kPredict, "--threads", "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    thread_ = std::thread([this, args] { result_ = run_process(args); });
  }
  ~LoadThrough() { join(); }
  const ProcessResult& result() {
    join();
    return result_;
  }

 private:
  void join() {
    if (thread_.joinable()) thread_.join();
  }
  std::thread thread_;
  ProcessResult result_;
};

TEST_P(Fleet, APredictionOneInstanceComputedIsAnL2HitOnAnother) {
  // Instance to instance, directly: the first computes and stores, the second finds it in Redis.
  auto first = http::Client::connect("127.0.0.1", ports_[0]).value();
  auto second = http::Client::connect("127.0.0.1", ports_[1]).value();
  const auto computed = first.post(kPredict, row(61)).value();
  ASSERT_EQ(computed.status, 200);
  EXPECT_EQ(computed.header("X-Cache"), "MISS");
  const std::string written = R"(hone_cache_transferred_bytes_total{layer="l2",direction="write"})";
  ASSERT_TRUE(eventually([&] {
    pause_briefly();
    return metric_value(ports_[0], written) > 0;
  }));
  const auto found = second.post(kPredict, row(61)).value();
  ASSERT_EQ(found.status, 200);
  EXPECT_EQ(found.header("X-Cache"), "HIT");
  EXPECT_EQ(found.body, computed.body);
  EXPECT_EQ(metric_value(ports_[1], R"(hone_cache_hits_total{layer="l2"})"), 1);
  EXPECT_EQ(metric_value(ports_[1], R"(hone_cache_hits_total{layer="l1"})"), 0);

  // Through the balancer: one request computes a new row, then a second of them spread over the
  // instances; each other instance that answers finds the row in Redis rather than computing it.
  auto client = http::Client::connect("127.0.0.1", balancer_port_).value();
  const double written_before = sum(written);
  ASSERT_EQ(client.post(kPredict, row(62)).value().header("X-Cache"), "MISS");
  ASSERT_TRUE(eventually([&] {
    pause_briefly();
    return sum(written) > written_before;
  }));
  const double l2_before = sum(R"(hone_cache_hits_total{layer="l2"})");
  const double answered_before[] = {metric_value(ports_[0], kAnswered),
                                    metric_value(ports_[1], kAnswered),
                                    metric_value(ports_[2], kAnswered)};
  LoadThrough load(balancer_port_, {"--body", row(62), "-c", "6", "-d", "1s"});
  const LoadTotals totals = load_totals(load.result().out);
  EXPECT_EQ(totals.failed, 0) << load.result().out << load.result().err;
  EXPECT_GT(totals.ok, 100) << load.result().out;
  int answering = 0;
  for (std::size_t i = 0; i < ports_.size(); ++i) {
    if (metric_value(ports_[i], kAnswered) > answered_before[i]) ++answering;
  }
  EXPECT_GE(answering, 2) << "the balancer sent everything to one instance";
  // The instance that computed it holds it in memory; every other one hit Redis at least once.
  EXPECT_GE(sum(R"(hone_cache_hits_total{layer="l2"})") - l2_before, answering - 1);
}

TEST_P(Fleet, SigtermToOneInstanceFailsNoRequestAndItComesBack) {
  constexpr std::size_t kVictim = 1;
  LoadThrough load(balancer_port_, {"--body", kRow, "-c", "8", "-d", "10s"});
  // The instance takes its share of traffic, then stops mid-run.
  EXPECT_TRUE(eventually([&] {
    pause_briefly();
    return metric_value(ports_[kVictim], kAnswered) > 1000;
  })) << "the balancer sent the instance nothing";
  instances_[kVictim]->signal(SIGTERM);
  EXPECT_EQ(instances_[kVictim]->wait(), 0);
  // The others carry the load; the instance starts again on its port and the balancer sends
  // it requests again.
  const double others = metric_value(ports_[0], kAnswered) + metric_value(ports_[2], kAnswered);
  EXPECT_TRUE(eventually([&] {
    pause_briefly();
    return metric_value(ports_[0], kAnswered) + metric_value(ports_[2], kAnswered) > others + 200;
  }));
  start_instance(kVictim);
  EXPECT_TRUE(eventually(
      [&] {
        pause_briefly();
        return metric_value(ports_[kVictim], kAnswered) > 50;
      },
      std::chrono::seconds(8)))
      << "the restarted instance took no traffic before the load ended";
  const ProcessResult& result = load.result();
  const LoadTotals totals = load_totals(result.out);
  EXPECT_EQ(totals.failed, 0) << result.out << result.err;
  EXPECT_GT(totals.ok, 1000) << result.out;
}

// Retries only where safe: a prediction an instance dropped without an answer is sent to another
// instance (it has no side effect); a call that changes state is not sent again once it went out.
TEST_P(Fleet, ADroppedPredictionIsSentAgainAndADroppedChangeIsNot) {
  DyingInstance dying;
  start_balancer({ports_[0], ports_[1], dying.port()});
  // Each request on a connection of its own, until the dying instance has dropped two.
  int sent = 0;
  for (; sent < 90 && dying.predictions() < 2; ++sent) {
    auto client = http::Client::connect("127.0.0.1", balancer_port_).value();
    const auto answer = client.post(kPredict, kRow).value();
    EXPECT_EQ(answer.status, 200) << answer.body;
  }
  ASSERT_GE(dying.predictions(), 2) << "the balancer never chose the dying instance in " << sent;
  // Without the admin token hone refuses the call with 401; the balancer's 502 means it went to
  // the dying instance and was not sent again. (nginx keeps a server that failed out of its
  // rotation for fail_timeout, 2s counted in whole seconds: the calls go on until it is back.)
  int refused = 0;
  int dropped = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(8);
  while (dying.changes() < 1 && std::chrono::steady_clock::now() < deadline) {
    auto client = http::Client::connect("127.0.0.1", balancer_port_).value();
    const auto answer =
        client.request("POST", "/v2/repository/models/ceramic-armor/unload", "{}").value();
    (answer.status == 502 ? dropped : refused) += 1;
    EXPECT_TRUE(answer.status == 401 || answer.status == 502) << answer.status << answer.body;
    pause_briefly();
  }
  ASSERT_EQ(dying.changes(), 1) << "the balancer never chose the dying instance in "
                                << refused + dropped << " calls (" << dropped << " dropped)";
  EXPECT_EQ(dropped, 1);
  EXPECT_EQ(metric_value(ports_[0], kAnswered) + metric_value(ports_[1], kAnswered), sent);
}

INSTANTIATE_TEST_SUITE_P(Balancers, Fleet, ::testing::Values(Balancer::kHaproxy, Balancer::kNginx),
                         [](const ::testing::TestParamInfo<Balancer>& param) {
                           return param.param == Balancer::kHaproxy ? "Haproxy" : "Nginx";
                         });

}  // namespace
}  // namespace hone::test
