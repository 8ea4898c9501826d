// The performance stack over HTTP: response cache (HIT/MISS, canonical keys shared by both
// protocols, no-cache), coalescing of identical in-flight requests, batching through the real
// server, queue overflow with Retry-After, request timeouts, and the trees backend.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>

#include "http/client.h"
#include "model/demo_models.h"
#include "serve/prediction_server.h"
#include "support/temp_dir.h"
#include "support/test_models.h"

namespace hone::serve {
namespace {
namespace fs = std::filesystem;

const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";
const std::string kRow = "[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]";

std::string v2_body(const std::string& row, const std::string& extra = "") {
  return R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":)" + row + "}]" +
         extra + "}";
}

std::unique_ptr<PredictionServer> start(std::shared_ptr<model::ModelRepository> models,
                                        int threads = 2) {
  ServeOptions options;
  options.http.port = 0;
  options.http.threads = threads;
  auto server = std::make_unique<PredictionServer>(options, std::move(models));
  EXPECT_TRUE(server->start());
  return server;
}

std::shared_ptr<model::ModelRepository> examples() {
  auto models = std::make_shared<model::ModelRepository>();
  EXPECT_TRUE(models->load_directory(kExamples, {2}));
  return models;
}

TEST(ServeStack, CacheHitsAreCanonicalAndShared) {
  auto server = start(examples());
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto first = client.post("/v2/models/ceramic-armor/infer", v2_body(kRow)).value();
  EXPECT_EQ(first.status, 200);
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  const auto second = client.post("/v2/models/ceramic-armor/infer", v2_body(kRow)).value();
  EXPECT_EQ(second.header("X-Cache"), "HIT");
  EXPECT_EQ(second.body, first.body);
  // Written differently, the same tensor: a hit, in either protocol.
  const auto spaced =
      client
          .post("/v2/models/ceramic-armor/infer",
                v2_body("[[60.0, 20, 10, 5, 5, 1.8e3, 2, 30, 3, 1.5, 98.5, 10.00]]"))
          .value();
  EXPECT_EQ(spaced.header("X-Cache"), "HIT");
  const auto v1 =
      client.post("/v1/models/ceramic-armor:predict", R"({"instances":[)" + kRow + "]}").value();
  EXPECT_EQ(v1.header("X-Cache"), "HIT");
  // Asked for a fresh answer: computed again.
  const auto fresh = client
                         .request("POST", "/v2/models/ceramic-armor/infer", v2_body(kRow),
                                  {{"Cache-Control", "no-cache"}})
                         .value();
  EXPECT_EQ(fresh.header("X-Cache"), "MISS");
  EXPECT_EQ(fresh.body, first.body);
  const auto unstored = client
                            .request("POST", "/v2/models/ceramic-armor/infer", v2_body(kRow),
                                     {{"Cache-Control", "max-age=0, no-store"}})
                            .value();
  EXPECT_EQ(unstored.header("X-Cache"), "MISS");
  // A different input misses.
  const auto other =
      client
          .post("/v2/models/ceramic-armor/infer", v2_body("[61,20,10,5,5,1800,2,30,3,1.5,98.5,10]"))
          .value();
  EXPECT_EQ(other.header("X-Cache"), "MISS");
  const auto stats = server->cache_stats();
  EXPECT_EQ(stats.hits, 3);
  EXPECT_EQ(stats.misses, 2);  // no-cache and no-store skipped the lookup
  EXPECT_EQ(stats.entries, 2);
}

// Writes a repository with one model of `kind`, with the given extra config.
std::string repository(const test::TempDir& dir, const std::string& kind,
                       const std::string& config) {
  fs::create_directories(dir.path() / "m");
  fs::copy_file(test::test_model(kind).path, dir.path() / "m" / "model.json");
  dir.write("m/config.yaml", config);
  return dir.path().string();
}

TEST(ServeStack, IdenticalConcurrentMissesAreComputedOnce) {
  test::TempDir dir;
  // A long batching delay keeps the first request in flight while the others arrive.
  repository(dir, "regression",
             "backend: xgboost\ncache: {enabled: true}\nbatching: {max_batch_size: 64, "
             "max_queue_delay: 300ms}\n");
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(dir.path().string(), {1}));
  auto server = start(models);
  const std::string body =
      R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,6],"data":[1,2,3,4,5,6]}]})";
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  std::vector<std::string> bodies(6);
  for (int i = 0; i < 6; ++i) {
    clients.emplace_back([&, i] {
      auto client = http::Client::connect("127.0.0.1", server->port()).value();
      auto response = client.post("/v2/models/m/infer", body).value();
      if (response.status == 200) ++ok;
      bodies[static_cast<std::size_t>(i)] = response.body;
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), 6);
  for (const auto& answer : bodies) EXPECT_EQ(answer, bodies.front());
  // Six requests, one computation: the others waited for it (or hit the cache after it).
  const auto stats = server->cache_stats();
  EXPECT_EQ(server->coalesced() + stats.hits, 5);
  EXPECT_GE(server->coalesced(), 1);
}

TEST(ServeStack, FullQueueAnswers503WithRetryAfter) {
  test::TempDir dir;
  repository(
      dir, "regression",
      "backend: xgboost\nbatching: {max_batch_size: 1, max_queue_delay: 0us, max_queue_size: 1}\n");
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(dir.path().string(), {1}));
  auto server = start(models, 1);
  // Sixteen clients at once against a queue of one and a single worker: some are refused.
  const std::string body =
      R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,6],"data":[1,2,3,4,5,6]}]})";
  int refused = 0;
  int answered = 0;
  for (int round = 0; round < 20 && refused == 0; ++round) {
    std::vector<std::thread> senders;
    std::atomic<int> round_refused{0};
    std::atomic<int> round_ok{0};
    for (int c = 0; c < 16; ++c) {
      senders.emplace_back([&] {
        auto mine = http::Client::connect("127.0.0.1", server->port()).value();
        auto response = mine.post("/v2/models/m/infer", body).value();
        if (response.status == 503) {
          EXPECT_EQ(response.header("Retry-After"), "1");
          EXPECT_NE(response.body.find("queue is full"), std::string::npos);
          ++round_refused;
        } else if (response.status == 200) {
          ++round_ok;
        }
      });
    }
    for (auto& sender : senders) sender.join();
    refused += round_refused;
    answered += round_ok;
  }
  EXPECT_GT(refused, 0);
  EXPECT_GT(answered, 0);
}

TEST(ServeStack, RequestTimeoutAnswers504) {
  test::TempDir dir;
  // A batching delay of 2 s holds a lone request longer than its 50 ms timeout.
  repository(dir, "regression",
             "backend: xgboost\nbatching: {max_batch_size: 64, max_queue_delay: 2s}\n");
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(dir.path().string(), {1}));
  auto server = start(models);
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto response =
      client
          .post(
              "/v2/models/m/infer",
              R"({"parameters":{"timeout":50000},"inputs":[{"name":"features","datatype":"FP32","shape":[1,6],"data":[1,2,3,4,5,6]}]})")
          .value();
  EXPECT_EQ(response.status, 504);
  EXPECT_NE(response.body.find("timed out"), std::string::npos);
  const auto bad =
      client.post("/v2/models/m/infer", R"({"parameters":{"timeout":-1},"inputs":[]})").value();
  EXPECT_EQ(bad.status, 400);
}

TEST(ServeStack, LargeAnswersAreCompressedAndMetadataHasETags) {
  auto server = start(examples());
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  std::string instances;
  for (int i = 0; i < 200; ++i)
    instances +=
        std::string(i ? "," : "") + "[" + std::to_string(i) + ",20,10,5,5,1800,2,30,3,1.5,98.5,10]";
  const std::string body = R"({"instances":[)" + instances + "]}";
  const auto plain = client.post("/v1/models/ceramic-armor:predict", body).value();
  EXPECT_EQ(plain.header("Content-Encoding"), "");
  EXPECT_EQ(plain.header("Vary"), "Accept-Encoding");
  EXPECT_GT(plain.body.size(), 1024U);
  const auto zipped = client
                          .request("POST", "/v1/models/ceramic-armor:predict", body,
                                   {{"Accept-Encoding", "gzip, br, zstd"}})
                          .value();
  EXPECT_EQ(zipped.status, 200);
  EXPECT_EQ(zipped.header("Content-Encoding"), "zstd");
  EXPECT_LT(zipped.body.size(), plain.body.size());
  const auto small =
      client.request("GET", "/v2/models/ceramic-armor", "", {{"Accept-Encoding", "gzip"}}).value();
  EXPECT_EQ(small.header("Content-Encoding"), "");  // under 1 KiB
  const std::string tag(small.header("ETag"));
  ASSERT_FALSE(tag.empty());
  const auto again =
      client.request("GET", "/v2/models/ceramic-armor", "", {{"If-None-Match", tag}}).value();
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  EXPECT_EQ(client.request("GET", "/v2", "", {{"If-None-Match", tag}}).value().status, 200);
}

TEST(ServeStack, WarmupBeforeReadyAndColdStartFigures) {
  test::TempDir dir;
  repository(dir, "regression",
             "backend: trees\nwarmup:\n  rounds: 3\n  rows: [[1,2,3,4,5,6], [null,0,0,0,0,0]]\n");
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(dir.path().string(), {1}));
  EXPECT_EQ(models->find("m")->config.warmup.rows.size(), 2U);
  auto server = start(models);
  auto times = server->startup_times();
  EXPECT_GT(times.ready.count(), 0);
  EXPECT_GT(times.warmup.count(), 0);
  EXPECT_LT(times.first_prediction.count(), 0);  // none yet
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  ASSERT_EQ(client.post("/v1/models/m:predict", R"({"instances":[[1,2,3,4,5,6]]})").value().status,
            200);
  times = server->startup_times();
  EXPECT_GT(times.first_prediction, times.ready);

  test::TempDir bad;
  repository(bad, "regression", "warmup: {rows: [[1,2,3]]}\n");
  model::ModelRepository refused;
  const auto status = refused.load_directory(bad.path().string(), {1});
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("warmup rows must have 6 values"), std::string::npos);
}

TEST(ServeStack, TreesBackendServesTheSameAnswers) {
  auto xgboost = examples();
  auto trees = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(trees->add_artifact("ceramic-armor=" + kExamples + "/ceramic-armor/model.json",
                                  "trees", {1}));
  auto a = start(xgboost);
  auto b = start(trees);
  auto ca = http::Client::connect("127.0.0.1", a->port()).value();
  auto cb = http::Client::connect("127.0.0.1", b->port()).value();
  auto data = model::demo_dataset("ceramic-armor", 20, 31).value();
  for (std::size_t r = 0; r < 20; ++r) {
    std::string row = "[";
    for (std::size_t c = 0; c < 12; ++c)
      row += (c ? "," : "") + std::to_string(data.features[r * 12 + c]);
    row += "]";
    const auto from_xgboost =
        ca.post("/v1/models/ceramic-armor:predict", R"({"instances":[)" + row + "]}").value();
    const auto from_trees =
        cb.post("/v1/models/ceramic-armor:predict", R"({"instances":[)" + row + "]}").value();
    EXPECT_EQ(from_trees.body, from_xgboost.body) << row;
  }
  EXPECT_EQ(cb.get("/v2/models/ceramic-armor").value().body.find(R"("platform":"trees")") !=
                std::string::npos,
            true);
}

}  // namespace
}  // namespace hone::serve
