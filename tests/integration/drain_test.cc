// Graceful stop of the real binary under traffic: SIGTERM while clients keep sending; every
// request that was sent gets its answer, new connections are refused, and the exit code is 0.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

#include "http/client.h"
#include "model/repository.h"
#include "serve/prediction_server.h"
#include "support/process.h"
#include "support/raw_client.h"

namespace hone {
namespace {

const std::string kHone = HONE_BINARY;
const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";
const std::string kBody = R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],)"
                          R"("data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]}]})";

struct ClientTally {
  int ok = 0;
  int failed = 0;           // a request that was sent and did not get a 200
  int closed_politely = 0;  // answers that carried Connection: close
  std::string reason;       // of the first failure
};

TEST(Drain, SigtermUnderTrafficLosesNoRequest) {
  test::ChildProcess server({kHone, "serve", "--models", kExamples, "--port", "0", "--threads", "2",
                             "--drain-timeout", "10s"});
  const std::string line = server.read_line();
  ASSERT_NE(line.find("listening on"), std::string::npos) << line << server.stderr_text();
  const std::uint16_t port = test::listening_port(line);

  constexpr int kClients = 6;
  std::vector<ClientTally> tallies(kClients);
  std::atomic<int> total{0};
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      ClientTally& tally = tallies[i];
      // Keep sending on one connection; reconnect when the server says goodbye, stop when new
      // connections are refused (the server has stopped accepting).
      while (true) {
        auto client = http::Client::connect("127.0.0.1", port, std::chrono::seconds(5));
        if (!client) return;
        while (true) {
          auto response = client->post("/v2/models/ceramic-armor/infer", kBody);
          if (!response || response->status != 200) {
            ++tally.failed;
            tally.reason = response ? response->body : response.error().message;
            return;
          }
          ++tally.ok;
          ++total;
          if (response->header("Connection") == "close") {
            ++tally.closed_politely;
            break;
          }
        }
      }
    });
  }
  while (total.load() < 600) std::this_thread::yield();
  server.signal(SIGTERM);
  for (auto& client : clients) client.join();
  EXPECT_EQ(server.wait(), 0) << server.stderr_text();

  int ok = 0;
  for (const auto& tally : tallies) {
    EXPECT_EQ(tally.failed, 0) << tally.reason;
    EXPECT_GE(tally.closed_politely, 1);  // each connection was told to close, not cut
    ok += tally.ok;
  }
  EXPECT_GE(ok, 600);
  EXPECT_NE(server.stderr_text().find("draining"), std::string::npos);
}

TEST(Drain, SigintStopsAnIdleServer) {
  test::ChildProcess server(
      {kHone, "serve", "--models", kExamples, "--port", "0", "--threads", "1"});
  const std::string line = server.read_line();
  ASSERT_NE(line.find("listening on"), std::string::npos);
  auto client = http::Client::connect("127.0.0.1", test::listening_port(line)).value();
  ASSERT_EQ(client.get("/v2/health/ready")->status, 200);
  server.signal(SIGINT);
  EXPECT_EQ(server.wait(), 0);
}

TEST(Drain, ReadinessTurnsFalseWhileDraining) {
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(kExamples, {1}));
  serve::ServeOptions options;
  options.http.port = 0;
  options.http.threads = 1;
  options.http.limits.drain_idle_grace = std::chrono::seconds(1);  // room to ask during drain
  serve::PredictionServer server(options, models);
  ASSERT_TRUE(server.start());
  test::RawClient client(server.port());
  ASSERT_TRUE(client.send(test::get_request("/v2/health/ready")));
  EXPECT_EQ(client.read_response().body, R"({"ready":true})");

  std::thread stopper([&] { server.stop(); });
  while (server.ready()) std::this_thread::yield();
  ASSERT_TRUE(client.send(test::get_request("/v2/health/ready")));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body, R"({"ready":false})");
  EXPECT_TRUE(client.closed_by_peer());  // politely, or after the grace if asked before drain
  stopper.join();
}

}  // namespace
}  // namespace hone
