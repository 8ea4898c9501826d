// Every documented hone serve flag and config-file key reaches the running server: each test
// starts the real binary with one setting and observes its effect over HTTP, so a flag that is
// parsed and then ignored fails here. (Limits themselves are tested in depth at the HTTP layer;
// these tests check the wiring from the command line and the config file.)
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <string>
#include <thread>
#include <vector>

#include "http/client.h"
#include "support/process.h"
#include "support/raw_client.h"
#include "support/redis_process.h"
#include "support/served.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "support/upstream_process.h"

namespace hone {
namespace {

using test::json_int;
using test::kExamples;
using test::kHone;
using test::kRow;
using test::Served;

std::int64_t process_threads(const Served& served) {
  // The monitor samples /proc once a second: wait for the first sample (with a deadline).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::int64_t threads = 0;
  while (threads == 0 && std::chrono::steady_clock::now() < deadline) {
    threads = json_int(served.get("/api/system"), "/threads");
    if (threads == 0) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return threads;
}

// Writes a repository with ceramic-armor under the name "m" and the given config lines.
std::string model_repository(const test::TempDir& dir, const std::string& name,
                             const std::string& config) {
  dir.write(name + "/m/config.yaml",
            "artifact: " + kExamples + "/ceramic-armor/model.json\n" + config);
  return dir.file(name);
}

TEST(ServeFlags, MaxBody) {
  Served served({"--max-body", "100"});
  ASSERT_NE(served.port, 0);
  test::RawClient raw(served.port);
  raw.send(test::post_request("/v1/models/ceramic-armor:predict", std::string(200, ' ')));
  EXPECT_EQ(raw.read_response().status, 413);
  EXPECT_EQ(served.client().post("/v1/models/ceramic-armor:predict", kRow).value().status, 200);
}

TEST(ServeFlags, HeaderTimeout) {
  Served served({"--header-timeout", "200ms"});
  ASSERT_NE(served.port, 0);
  test::RawClient raw(served.port);
  raw.send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n");  // the header never ends
  EXPECT_EQ(raw.read_response().status, 408);               // the default would wait 10 s
}

TEST(ServeFlags, IdleTimeout) {
  Served served({"--idle-timeout", "200ms"});
  ASSERT_NE(served.port, 0);
  test::RawClient raw(served.port, std::chrono::seconds(5));
  raw.send(test::get_request("/v2/health/live"));
  EXPECT_EQ(raw.read_response().status, 200);
  EXPECT_TRUE(raw.closed_by_peer());  // well before the 5 s receive limit (default: 60 s)
}

TEST(ServeFlags, CacheSize) {
  Served served({"--cache-size", "3MiB"});
  ASSERT_NE(served.port, 0);
  EXPECT_EQ(json_int(served.get("/api/cache"), "/l1/budget_bytes"), 3 * 1024 * 1024);
}

TEST(ServeFlags, NoCompression) {
  for (const bool off : {false, true}) {
    Served served(off ? std::vector<std::string>{"--no-compression"} : std::vector<std::string>{});
    ASSERT_NE(served.port, 0);
    const auto metrics =
        served.client().request("GET", "/metrics", "", {{"Accept-Encoding", "gzip"}});
    ASSERT_TRUE(metrics);
    EXPECT_EQ(metrics->header("Content-Encoding"), off ? "" : "gzip") << "--no-compression " << off;
  }
}

TEST(ServeFlags, BackendChoosesTheEngine) {
  for (const char* backend : {"trees", "xgboost"}) {
    Served served({"--model", kExamples + "/ceramic-armor/model.json", "--backend", backend});
    ASSERT_NE(served.port, 0);
    EXPECT_NE(served.get("/v2/models/ceramic-armor").find(std::string("\"platform\":\"") + backend),
              std::string::npos)
        << backend;
  }
}

TEST(ServeFlags, ThreadsStartThatManyEventLoops) {
  std::int64_t threads[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    Served served({"--threads", i == 0 ? "1" : "4"});
    ASSERT_NE(served.port, 0);
    threads[i] = process_threads(served);
  }
  EXPECT_EQ(threads[1] - threads[0], 3);
}

TEST(ServeFlags, LogLevel) {
  for (const char* level : {"info", "error"}) {
    Served served({"--log-level", level});
    ASSERT_NE(served.port, 0);
    served.process.signal(SIGTERM);
    EXPECT_EQ(served.process.wait(), 0);
    const std::string log = served.process.stderr_text();
    EXPECT_EQ(log.find(" info ") != std::string::npos, std::string(level) == "info")
        << level << ": " << log;
  }
}

TEST(ServeFlags, HistoryBoundsTheWindow) {
  Served served({"--history", "90s"});
  ASSERT_NE(served.port, 0);
  EXPECT_EQ(json_int(served.get("/api/performance/history?window=1h"), "/window_s"), 90);
}

// The same settings from a config file reach the server as the flags do.
TEST(ServeFlags, ConfigFileKeysReachTheServer) {
  test::TempDir dir;
  const auto config = dir.write("hone.yaml", "models: " + kExamples +
                                                 "\nport: 0\nthreads: 1\nlog_level: error\n"
                                                 "cache_size: 5MiB\nadmin_token: t0k\n"
                                                 "history: 45s\n"
                                                 "compression: {enabled: false}\n"
                                                 "limits: {max_body: 100, header_timeout: 200ms, "
                                                 "max_in_flight: 7, max_connections: 50}\n"
                                                 "alerts: {rules: [\"rps >= 0\"]}\n");
  Served served({"--config", config});
  ASSERT_NE(served.port, 0);
  auto client = served.client();
  EXPECT_EQ(json_int(served.get("/api/cache"), "/l1/budget_bytes"), 5 * 1024 * 1024);
  EXPECT_EQ(client.request("DELETE", "/api/cache", "").value().status, 401);
  EXPECT_EQ(json_int(served.get("/api/performance/history?window=1h"), "/window_s"), 45);
  EXPECT_EQ(client.request("GET", "/metrics", "", {{"Accept-Encoding", "gzip"}})
                .value()
                .header("Content-Encoding"),
            "");
  EXPECT_NE(served.get("/api/alerts").find(R"("name":"rps >= 0")"), std::string::npos);
  const std::string metrics = served.get("/metrics");
  EXPECT_NE(metrics.find("hone_server_in_flight_limit 7\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hone_connections_limit 50\n"), std::string::npos);
  test::RawClient big(served.port);
  big.send(test::post_request("/v1/models/ceramic-armor:predict", std::string(200, ' ')));
  EXPECT_EQ(big.read_response().status, 413);
  test::RawClient slow(served.port);
  slow.send("GET /v2/health/live HTTP/1.1\r\n");
  EXPECT_EQ(slow.read_response().status, 408);
  served.process.signal(SIGTERM);
  EXPECT_EQ(served.process.wait(), 0);
  EXPECT_EQ(served.process.stderr_text().find(" info "), std::string::npos);
}

// A model's warmup section runs its rows through the backend before ready, and again on demand.
TEST(ServeFlags, WarmupRunsTheConfiguredRows) {
  test::TempDir dir;
  dir.write("m/config.yaml",
            "artifact: " + kExamples +
                "/ceramic-armor/model.json\nwarmup:\n  rounds: 3\n  rows: "
                "[[60,20,10,5,5,1800,2,30,3,1.5,98.5,10], [0,0,0,0,0,0,0,0,0,0,0,null]]\n");
  Served served({"--models", dir.path().string(), "--admin-token", "t"});
  ASSERT_NE(served.port, 0);
  const auto warm =
      served.client()
          .request("POST", "/api/models/m/warmup", "", {{"Authorization", "Bearer t"}})
          .value();
  EXPECT_NE(warm.body.find(R"("rounds":3,"rows":6,)"), std::string::npos) << warm.body;
  // Its outputs are the model's own predictions for the sample rows.
  const auto predicted = served.client().post(
      "/v1/models/m:predict",
      R"({"instances":[[60,20,10,5,5,1800,2,30,3,1.5,98.5,10],[0,0,0,0,0,0,0,0,0,0,0,null]]})");
  const std::string values =
      predicted.value().body.substr(std::string(R"({"predictions":)").size());
  EXPECT_NE(warm.body.find(R"("outputs":)" + values.substr(0, values.size() - 1) + "}"),
            std::string::npos)
      << warm.body << " vs " << predicted.value().body;
  served.process.signal(SIGTERM);
  EXPECT_EQ(served.process.wait(), 0);
  EXPECT_NE(served.process.stderr_text().find("model 'm' warmed up: 3 round(s) of 2 row(s)"),
            std::string::npos)
      << served.process.stderr_text();
}

TEST(ServeFlags, BatchingWorkersAreThreads) {
  test::TempDir dir;
  std::int64_t threads[2] = {0, 0};
  for (int i = 0; i < 2; ++i) {
    const auto repo = model_repository(dir, "r" + std::to_string(i),
                                       "backend: trees\nbatching: {max_batch_size: 8, workers: " +
                                           std::to_string(i == 0 ? 1 : 3) + "}\n");
    Served served({"--models", repo});
    ASSERT_NE(served.port, 0);
    threads[i] = process_threads(served);
  }
  EXPECT_EQ(threads[1] - threads[0], 2);
}

TEST(ServeFlags, CacheTtlExpiresEntries) {
  test::TempDir dir;
  Served served({"--models", model_repository(dir, "r", "cache: {enabled: true, ttl: 300ms}\n")});
  ASSERT_NE(served.port, 0);
  auto client = served.client();
  EXPECT_EQ(client.post("/v1/models/m:predict", kRow).value().header("X-Cache"), "MISS");
  EXPECT_EQ(client.post("/v1/models/m:predict", kRow).value().header("X-Cache"), "HIT");
  // The entry expires 300 ms after it was stored; until then every answer is a hit.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  std::string cache = "HIT";
  while (cache == "HIT" && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    cache = client.post("/v1/models/m:predict", kRow).value().header("X-Cache");
  }
  EXPECT_EQ(cache, "MISS");
  EXPECT_GE(json_int(served.get("/api/cache"), "/l1/expirations"), 1);
}

// Higher compression levels from the config give smaller answers (the codecs are deterministic).
TEST(ServeFlags, CompressionLevelsFromTheConfig) {
  test::TempDir dir;
  const std::pair<const char*, const char*> codecs[] = {
      {"gzip", "gzip_level"}, {"br", "brotli_quality"}, {"zstd", "zstd_level"}};
  for (const auto& [codec, key] : codecs) {
    std::size_t sizes[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      const std::string level = i == 0 ? (std::string(key) == "brotli_quality" ? "0" : "1")
                                       : (std::string(key) == "gzip_level"       ? "9"
                                          : std::string(key) == "brotli_quality" ? "11"
                                                                                 : "19");
      const auto config =
          dir.write(std::string(key) + level + ".yaml",
                    "models: " + kExamples + "\nport: 0\nthreads: 1\ncompression: {" + key + ": " +
                        level + "}\n");
      Served served({"--config", config});
      ASSERT_NE(served.port, 0);
      const auto answer = served.client().request("GET", "/dashboard/uPlot.iife.min.js", "",
                                                  {{"Accept-Encoding", codec}});
      ASSERT_TRUE(answer);
      EXPECT_EQ(answer->header("Content-Encoding"), codec);
      sizes[i] = answer->body.size();
    }
    EXPECT_LT(sizes[1], sizes[0]) << codec;
  }
}

TEST(ServeFlags, RedisIsTheSecondCacheLayer) {
  if (!test::RedisProcess::available())
    FAIL() << "redis-server not installed: run scripts/setup --test";
  test::RedisProcess redis;
  Served served({"--redis", "redis://127.0.0.1:" + std::to_string(redis.port())});
  ASSERT_NE(served.port, 0);
  EXPECT_TRUE(test::eventually([&] {
    return served.get("/api/cache").find(R"("l2":{"connected":true)") != std::string::npos;
  })) << served.get("/api/cache");
}

TEST(ServeFlags, AlertWebhookReceivesAlertChanges) {
  test::TestServer receiver;
  Served served({"--alert", "rps >= 0", "--alert-webhook", receiver.url("/hook")});
  ASSERT_NE(served.port, 0);
  ASSERT_TRUE(test::eventually([&] { return receiver.requests() > 0; }))
      << "no alert reached the webhook";
  const auto body = receiver.bodies().front();
  EXPECT_NE(body.find(R"("source":"hone")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("state":"firing")"), std::string::npos) << body;
  EXPECT_EQ(receiver.paths().at("/hook"), receiver.requests());
}

// --max-batch-size bounds the rows of one backend call; --max-queue-delay is how long a request
// waits for a fuller batch. Two 3-row requests queued together share one call only if 6 rows fit.
TEST(ServeFlags, MaxBatchSizeAndMaxQueueDelay) {
  const std::string rows3 = R"({"instances":[[1,2,3,4,5,6,7,8,9,10,11,12],)"
                            R"([1,2,3,4,5,6,7,8,9,10,11,12],[1,2,3,4,5,6,7,8,9,10,11,13]]})";
  for (const char* most : {"4", "8"}) {
    Served served({"--model", "c=" + kExamples + "/ceramic-armor/model.json", "--backend", "trees",
                   "--max-batch-size", most, "--max-queue-delay", "300ms"});
    ASSERT_NE(served.port, 0);
    test::RawClient first(served.port);
    test::RawClient second(served.port);
    first.send(test::post_request("/v1/models/c:predict", rows3));
    second.send(test::post_request("/v1/models/c:predict", rows3));
    EXPECT_EQ(first.read_response().status, 200);
    EXPECT_EQ(second.read_response().status, 200);
    // Metrics are recorded once each answer is written, which may be just after it was read.
    simdjson::dom::parser parser;
    double mean = 0;
    test::eventually([&] {
      mean = parser.parse(served.get("/api/performance"))
                 .at_pointer("/models/0/batch_rows_mean")
                 .get_double()
                 .value();
      return mean > 0;
    });
    EXPECT_DOUBLE_EQ(mean, std::string(most) == "4" ? 3.0 : 6.0) << "--max-batch-size " << most;
    // A lone one-row request waits the whole delay for company (the default is 500us).
    const auto start = std::chrono::steady_clock::now();
    EXPECT_EQ(served.client().post("/v1/models/c:predict", kRow).value().status, 200);
    EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(290));
  }
}

// While a long warmup runs the server is live but not ready, and TF-Serving's status says
// LOADING (the listening line only comes once ready, so the test picks the port itself).
TEST(ServeFlags, V1StatusSaysLoadingDuringWarmup) {
  test::TempDir dir;
  std::string rows = "[";
  for (int i = 0; i < 256; ++i)
    rows += std::string(i ? "," : "") + "[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]";
  const auto repo =
      model_repository(dir, "r", "backend: trees\nwarmup: {rounds: 10000, rows: " + rows + "]}\n");
  const std::uint16_t port = test::free_port();
  test::ChildProcess server(
      {kHone, "serve", "--models", repo, "--port", std::to_string(port), "--threads", "1"});
  ASSERT_TRUE(test::eventually([&] {
    auto client = http::Client::connect("127.0.0.1", port, std::chrono::seconds(1));
    return client && static_cast<bool>(client->get("/v2/health/live"));
  }));
  auto client = http::Client::connect("127.0.0.1", port).value();
  EXPECT_EQ(client.get("/v2/health/ready").value().status, 503);
  EXPECT_NE(client.get("/v1/models/m").value().body.find(R"("state":"LOADING")"),
            std::string::npos);
}

TEST(ServeFlags, MetricsFalseInTheConfigTurnsMetricsOff) {
  test::TempDir dir;
  const auto config =
      dir.write("hone.yaml", "models: " + kExamples + "\nport: 0\nthreads: 1\nmetrics: false\n");
  Served served({"--config", config});
  ASSERT_NE(served.port, 0);
  EXPECT_EQ(served.client().get("/metrics").value().status, 404);
}

}  // namespace
}  // namespace hone

namespace hone {
namespace {

// --upstream serves a model another server computes; --cache applies to it as to --model.
TEST(ServeFlags, UpstreamServesAnotherServersModel) {
  auto upstream = test::UpstreamProcess::kserve_v2();
  Served served({"--upstream", "sum=" + upstream->url(), "--cache"});
  ASSERT_NE(served.port, 0);
  // The warmup row went upstream before ready.
  EXPECT_EQ(upstream->calls().calls, 1);
  auto client = served.client();
  const std::string body =
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]})";
  for (const char* cache : {"MISS", "HIT"}) {
    const auto answer = client.post("/v2/models/sum/infer", body).value();
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.header("X-Cache"), cache);
  }
  EXPECT_EQ(upstream->calls().calls, 2);
}

// --max-batch-size and --max-queue-delay batch --upstream models as they do --model ones: eight
// single-row clients at once make fewer upstream calls than requests.
TEST(ServeFlags, BatchingFlagsApplyToUpstreams) {
  auto upstream = test::UpstreamProcess::kserve_v2({"--delay-ms", "20"});
  Served served({"--upstream", "sum=" + upstream->url(), "--max-batch-size", "8",
                 "--max-queue-delay", "50ms", "--threads", "2"});
  ASSERT_NE(served.port, 0);
  const auto before = upstream->calls();
  std::vector<std::thread> clients;
  std::vector<int> statuses(8, 0);
  for (int i = 0; i < 8; ++i) {
    clients.emplace_back([&, i] {
      auto client = served.client();
      const std::string body =
          R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[)" + std::to_string(i) +
          ",0,0,0]}]}";
      statuses[i] = client.post("/v2/models/sum/infer", body).value().status;
    });
  }
  for (auto& client : clients) client.join();
  for (const int status : statuses) EXPECT_EQ(status, 200);
  const auto after = upstream->calls();
  EXPECT_EQ(after.rows - before.rows, 8);
  EXPECT_LT(after.calls - before.calls, 8);
}

// --upstream-protocol and the config file's upstream keys reach the loader: a v1 upstream
// cannot describe its inputs, so start-up stops saying so; an unknown protocol is refused.
TEST(ServeFlags, UpstreamProtocolFromTheFlagAndTheConfig) {
  auto upstream = test::UpstreamProcess::kserve_v2();
  test::TempDir dir;
  const auto config = dir.write(
      "hone.yaml", "upstream: [sum=" + upstream->url() + "]\nupstream_protocol: v1\nport: 0\n");
  for (const auto& args : std::vector<std::vector<std::string>>{
           {kHone, "serve", "--port", "0", "--upstream", "sum=" + upstream->url(),
            "--upstream-protocol", "v1"},
           {kHone, "serve", "--config", config}}) {
    const auto run = test::run_process(args);
    EXPECT_NE(run.exit_code, 0);
    EXPECT_NE(run.err.find("a v1 upstream does not describe its inputs"), std::string::npos)
        << run.err;
  }
  const auto bad = test::run_process(
      {kHone, "serve", "--upstream", "sum=" + upstream->url(), "--upstream-protocol", "grpc"});
  EXPECT_NE(bad.exit_code, 0);
  EXPECT_NE(bad.err.find("upstream protocol 'grpc': expected v2, v1 or json"), std::string::npos)
      << bad.err;
}

// Without --backend a model is served by auto, and the start-up log says what it chose and why.
TEST(ServeFlags, BackendAutoSaysItsChoiceAtStartUp) {
  Served served({"--model", kExamples + "/ceramic-armor/model.json"});
  ASSERT_NE(served.port, 0);
  served.process.signal(SIGTERM);
  EXPECT_EQ(served.process.wait(), 0);
  EXPECT_NE(
      served.process.stderr_text().find(
          "model 'ceramic-armor': backend auto chose trees: the native engine supports this model"),
      std::string::npos)
      << served.process.stderr_text();
}

// --upstream-protocol json forwards any JSON API at its own paths, with --cache keyed on the
// canonical body; --max-batch-size cannot apply to it and start-up says so.
TEST(ServeFlags, UpstreamProtocolJsonForwardsAsItIs) {
  auto upstream = test::UpstreamProcess::kserve_v2();
  Served served({"--upstream", "sum=" + upstream->url() + "/v2/models/sum", "--upstream-protocol",
                 "json", "--cache"});
  ASSERT_NE(served.port, 0);
  auto client = served.client();
  for (const auto& [body, cache] : std::vector<std::pair<std::string, std::string>>{
           {R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[1,2,3,4]}]})",
            "MISS"},
           {R"({"inputs":[{"data":[1,2,3,4.0],"shape":[1,4],"datatype":"FP32","name":"x"}]})",
            "HIT"}}) {
    const auto answer = client.post("/infer", body).value();  // the upstream's /v2/models/sum/infer
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.header("X-Cache"), cache);
    EXPECT_NE(answer.body.find(R"("data": [10.0])"), std::string::npos) << answer.body;
  }
  EXPECT_EQ(upstream->calls().calls, 1);  // not warmed: a json upstream has no tensors
  const auto batching =
      test::run_process({kHone, "serve", "--port", "0", "--upstream", "sum=" + upstream->url(),
                         "--upstream-protocol", "json", "--max-batch-size", "8"});
  EXPECT_NE(batching.exit_code, 0);
  EXPECT_NE(batching.err.find("a json upstream cannot batch"), std::string::npos) << batching.err;
}

}  // namespace
}  // namespace hone
