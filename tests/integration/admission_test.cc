// Admission control through the real server: a model's bound on requests in flight and the
// server's (--max-in-flight) refuse with 503 and Retry-After before the body is decoded, counted
// in /metrics and /api/performance; the bound on connections (--max-connections) makes new
// clients wait, not fail.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>

#include "http/client.h"
#include "serve/prediction_server.h"
#include "support/raw_client.h"
#include "support/temp_dir.h"
#include "support/test_models.h"
#include "support/test_server.h"

namespace hone::serve {
namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kBody =
    R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,6],"data":[1,2,3,4,5,6]}]})";

// A repository of one model, m; its batching delay holds requests in flight for `hold`.
std::shared_ptr<model::ModelRepository> held_model(const test::TempDir& dir,
                                                   const std::string& hold,
                                                   const std::string& extra = "") {
  fs::create_directories(dir.path() / "m");
  fs::copy_file(test::test_model("regression").path, dir.path() / "m" / "model.json");
  dir.write("m/config.yaml", "backend: xgboost\nbatching: {max_batch_size: 64, max_queue_delay: " +
                                 hold + "}\n" + extra);
  auto models = std::make_shared<model::ModelRepository>();
  const Status loaded = models->load_directory(dir.path().string(), {1});
  EXPECT_TRUE(loaded) << loaded.error().message;
  return models;
}

std::unique_ptr<PredictionServer> start(std::shared_ptr<model::ModelRepository> models,
                                        std::size_t max_in_flight = 4096,
                                        std::size_t max_connections = 10'000) {
  ServeOptions options;
  options.http.port = 0;
  options.http.threads = 2;
  options.http.limits.max_connections = max_connections;
  options.max_in_flight = max_in_flight;
  options.monitor_interval = 0ms;
  auto server = std::make_unique<PredictionServer>(options, std::move(models));
  EXPECT_TRUE(server->start());
  return server;
}

// Sends `count` predictions on their own connections, each on a thread; they wait in the batcher.
struct Senders {
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  void send(std::uint16_t port, int count) {
    for (int i = 0; i < count; ++i) {
      threads.emplace_back([this, port] {
        auto client = http::Client::connect("127.0.0.1", port).value();
        if (client.post("/v2/models/m/infer", kBody).value().status == 200) ++ok;
      });
    }
  }
  ~Senders() {
    for (auto& t : threads) t.join();
  }
};

bool wait_for_in_flight(const PredictionServer& server, std::int64_t count) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (std::chrono::steady_clock::now() < deadline) {
    if (server.metrics("m")->pending() >= count) return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

std::string scrape(std::uint16_t port, const std::string& path) {
  auto client = http::Client::connect("127.0.0.1", port).value();
  return client.get(path).value().body;
}

// A request's place under the bounds is given back once its answer is written, which may be
// after the client has read it: scrapes `path` until it holds `wanted` (10 s at most).
std::string scrape_until(std::uint16_t port, const std::string& path, const std::string& wanted) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  std::string body = scrape(port, path);
  while (body.find(wanted) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
    body = scrape(port, path);
  }
  return body;
}

TEST(Admission, AModelAtItsBoundRefusesWith503BeforeDecodingTheBody) {
  test::TempDir dir;
  auto server = start(held_model(dir, "600ms", "admission: {max_in_flight: 2}\n"));
  {
    Senders senders;
    senders.send(server->port(), 2);
    ASSERT_TRUE(wait_for_in_flight(*server, 2));
    // Not even JSON: refused at the bound, so never decoded (a decoded one would be 400).
    auto client = http::Client::connect("127.0.0.1", server->port()).value();
    const auto refused = client.post("/v2/models/m/infer", "this is not json").value();
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.header("Retry-After"), "1");
    EXPECT_NE(refused.body.find("model 'm' is at its bound of requests in flight"),
              std::string::npos)
        << refused.body;
    const auto v1 = client.post("/v1/models/m:predict", R"({"instances":[[1,2,3,4,5,6]]})").value();
    EXPECT_EQ(v1.status, 503);
  }
  // The two held requests were answered; there is room again once their places are given back
  // (after their answers are written, which may be after the clients read them).
  const std::string freed = R"("admission":{"adaptive":false,"bound":2,"in_flight":0,)";
  ASSERT_NE(scrape_until(server->port(), "/api/performance", freed).find(freed), std::string::npos);
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  EXPECT_EQ(client.post("/v2/models/m/infer", "this is not json").value().status, 400);
  const std::string metrics = scrape(server->port(), "/metrics");
  EXPECT_NE(metrics.find("hone_model_admission_refused_total{model=\"m\"} 2"), std::string::npos)
      << metrics;
  EXPECT_NE(metrics.find("hone_model_in_flight_limit{model=\"m\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("hone_requests_total{model=\"m\",status=\"503\"} 2"), std::string::npos);
  EXPECT_NE(metrics.find("hone_server_admission_refused_total 0"), std::string::npos);
  const std::string admission =
      R"("admission":{"adaptive":false,"bound":2,"in_flight":0,"refused":2})";
  const std::string performance = scrape_until(server->port(), "/api/performance", admission);
  EXPECT_NE(performance.find(admission), std::string::npos) << performance;
}

TEST(Admission, TheServersBoundCoversEveryModelTogether) {
  test::TempDir dir;
  auto server = start(held_model(dir, "600ms"), /*max_in_flight=*/1);
  {
    Senders senders;
    senders.send(server->port(), 1);
    ASSERT_TRUE(wait_for_in_flight(*server, 1));
    auto client = http::Client::connect("127.0.0.1", server->port()).value();
    const auto refused = client.post("/v2/models/m/infer", kBody).value();
    EXPECT_EQ(refused.status, 503);
    EXPECT_EQ(refused.header("Retry-After"), "1");
    EXPECT_NE(refused.body.find("--max-in-flight"), std::string::npos) << refused.body;
    // Health and metadata are not predictions: never refused.
    EXPECT_EQ(client.get("/v2/models/m").value().status, 200);
  }
  const std::string metrics = scrape_until(server->port(), "/metrics", "hone_server_in_flight 0");
  EXPECT_NE(metrics.find("hone_server_admission_refused_total 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hone_server_in_flight_limit 1"), std::string::npos);
  EXPECT_NE(metrics.find("hone_server_in_flight 0"), std::string::npos);
  const std::string in_flight = R"("in_flight":{"now":0,"bound":1,"refused":1})";
  const std::string performance = scrape_until(server->port(), "/api/performance", in_flight);
  EXPECT_NE(performance.find(in_flight), std::string::npos) << performance;
}

// A json upstream's requests count under the server's bound too.
TEST(Admission, TheServersBoundCoversJsonUpstreams) {
  test::TestServerOptions slow;
  slow.delay = 600ms;
  test::TestServer upstream(slow);
  test::TempDir dir;
  dir.write("models/api/config.yaml", "backend: http\nurl: " + upstream.url("/") +
                                          "\nprotocol: json\nmount: /api-upstream\n");
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(dir.file("models")));
  auto server = start(models, /*max_in_flight=*/1);
  std::thread held([&] {
    auto client = http::Client::connect("127.0.0.1", server->port()).value();
    EXPECT_EQ(client.post("/api-upstream/predict", R"({"x":1})").value().status, 200);
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (upstream.requests() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto refused = client.post("/api-upstream/predict", R"({"x":2})").value();
  EXPECT_EQ(refused.status, 503);
  EXPECT_EQ(refused.header("Retry-After"), "1");
  EXPECT_NE(refused.body.find("--max-in-flight"), std::string::npos) << refused.body;
  held.join();
  // Room again once the held request's place is given back (after its answer is written).
  const std::string freed = R"("in_flight":{"now":0,)";
  ASSERT_NE(scrape_until(server->port(), "/api/performance", freed).find(freed), std::string::npos);
  EXPECT_EQ(client.post("/api-upstream/predict", R"({"x":3})").value().status, 200);
  EXPECT_EQ(upstream.requests(), 2);
}

TEST(Admission, AnAdaptiveBoundStartsAtItsFloor) {
  test::TempDir dir;
  auto server = start(held_model(dir, "600ms",
                                 "admission: {max_in_flight: 50, adaptive: true, "
                                 "min_in_flight: 1, window: 50ms}\n"));
  Senders senders;
  senders.send(server->port(), 1);
  ASSERT_TRUE(wait_for_in_flight(*server, 1));
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  // Before it has measured its no-load latency, the bound is the floor.
  EXPECT_EQ(client.post("/v2/models/m/infer", kBody).value().status, 503);
  const std::string performance = scrape(server->port(), "/api/performance");
  EXPECT_NE(
      performance.find(R"("admission":{"adaptive":true,"bound":1,"in_flight":1,"refused":1,)"),
      std::string::npos)
      << performance;
}

TEST(Admission, AtMaxConnectionsNewClientsWaitUntilOneCloses) {
  test::TempDir dir;
  auto server = start(held_model(dir, "0us"), 4096, /*max_connections=*/2);
  auto first = std::make_unique<test::RawClient>(server->port());
  test::RawClient second(server->port());
  for (test::RawClient* c : {first.get(), &second}) {
    ASSERT_TRUE(c->send(test::get_request("/v2/health/live")));
    ASSERT_EQ(c->read_response().status, 200);
  }
  // The third connects (the kernel's backlog takes it) but is not served while two are open.
  test::RawClient third(server->port(), 300ms);
  ASSERT_TRUE(third.connected());
  ASSERT_TRUE(third.send(test::post_request("/v2/models/m/infer", kBody)));
  EXPECT_EQ(third.read_response().status, 0);
  first.reset();  // one closes: the waiting client is accepted and answered
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (status == 0 && std::chrono::steady_clock::now() < deadline) {
    status = third.read_response().status;
  }
  EXPECT_EQ(status, 200);
  // The one still open is served as before.
  ASSERT_TRUE(second.send(test::get_request("/v2/health/live")));
  EXPECT_EQ(second.read_response().status, 200);
}

}  // namespace
}  // namespace hone::serve
