// The L2 cache against a real redis-server that the test starts, kills, pauses and restarts:
// answers shared between servers, and fail-open behaviour, where Redis trouble never fails a
// prediction.
#include "serve/redis_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "http/client.h"
#include "serve/cache_key.h"
#include "serve/prediction_server.h"
#include "support/redis_process.h"
#include "support/temp_dir.h"

namespace hone::serve {
namespace {

using namespace std::chrono_literals;
const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";

std::string body_for(int value) {
  return R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":[)" +
         std::to_string(value) + ",20,10,5,5,1800,2,30,3,1.5,98.5,10]}]}";
}

std::unique_ptr<PredictionServer> start_server(std::uint16_t redis_port) {
  auto models = std::make_shared<model::ModelRepository>();
  EXPECT_TRUE(models->load_directory(kExamples, {1}));
  ServeOptions options;
  options.http.port = 0;
  options.http.threads = 1;
  RedisOptions redis;
  redis.port = redis_port;
  redis.command_timeout = 50ms;
  redis.connect_timeout = 200ms;
  redis.breaker_failures = 3;
  redis.breaker_cooldown = 200ms;
  options.redis = redis;
  auto server = std::make_unique<PredictionServer>(options, models);
  EXPECT_TRUE(server->start());
  return server;
}

std::string x_cache(PredictionServer& server, int value) {
  auto client = http::Client::connect("127.0.0.1", server.port()).value();
  auto response = client.post("/v2/models/ceramic-armor/infer", body_for(value)).value();
  EXPECT_EQ(response.status, 200) << response.body;
  return std::string(response.header("X-Cache"));
}

class RedisCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::RedisProcess::available()) FAIL() << "redis-server not installed: run scripts/setup";
  }
};

TEST_F(RedisCacheTest, ServersShareAnswersThroughRedis) {
  test::RedisProcess redis;
  auto a = start_server(redis.port());
  ASSERT_TRUE(test::eventually([&] { return a->redis_stats()->connected; }));
  EXPECT_EQ(x_cache(*a, 1), "MISS");
  ASSERT_TRUE(test::eventually([&] { return a->redis_stats()->sets >= 1; }));
  auto b = start_server(redis.port());  // an empty L1
  ASSERT_TRUE(test::eventually([&] { return b->redis_stats()->connected; }));
  EXPECT_EQ(x_cache(*b, 1), "HIT");
  EXPECT_EQ(b->redis_stats()->hits, 1);
  // The one value crossed twice: written by a, read by b.
  EXPECT_GT(a->redis_stats()->bytes_written, 0);
  EXPECT_EQ(b->redis_stats()->bytes_read, a->redis_stats()->bytes_written);
  EXPECT_EQ(b->redis_stats()->bytes_written, 0);
  auto client = http::Client::connect("127.0.0.1", b->port()).value();
  const std::string metrics = client.get("/metrics").value().body;
  EXPECT_NE(metrics.find("hone_cache_hits_total{layer=\"l2\"} 1\n"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("hone_cache_transferred_bytes_total{layer=\"l2\",direction=\"read\"} " +
                         std::to_string(b->redis_stats()->bytes_read) + "\n"),
            std::string::npos)
      << metrics;
  EXPECT_EQ(x_cache(*b, 1), "HIT");  // now from its own L1
  EXPECT_EQ(b->cache_stats().hits, 1);
  // b's trace of the Redis hit: a Redis stage, no queue or compute; the statistics extension
  // counts it a cache hit timed over both lookups.
  const auto* traced = b->metrics("ceramic-armor");
  ASSERT_TRUE(test::eventually([&] { return traced->requests() == 2; }));
  EXPECT_EQ(traced->stage_us(monitor::Stage::kRedis).snapshot().count, 1U);
  EXPECT_EQ(traced->stage_us(monitor::Stage::kLookup).snapshot().count, 2U);
  EXPECT_EQ(traced->stage_us(monitor::Stage::kQueue).snapshot().count, 0U);
  EXPECT_EQ(traced->stage_us(monitor::Stage::kCompute).snapshot().count, 0U);
  const auto totals = traced->request_totals();
  EXPECT_EQ(totals.cache_hit.count, 2);
  EXPECT_GE(totals.cache_hit.ns,
            traced->stage_total(monitor::Path::kCached, monitor::Stage::kRedis).ns);
  EXPECT_EQ(totals.cache_miss.count, 0);
}

TEST_F(RedisCacheTest, AValueOfAnotherShapeIsAMissNotAnAnswer) {
  // Another deployment serves a different "ceramic-armor" version "1" (five outputs per row)
  // through the same Redis: its value sits under the key this server's request makes.
  test::RedisProcess redis;
  RedisOptions options;
  options.port = redis.port();
  RedisCache other(options);
  ASSERT_TRUE(test::eventually([&] { return other.stats().connected; }));
  const std::vector<float> row = {7, 20, 10, 5, 5, 1800, 2, 30, 3, 1.5F, 98.5F, 10};
  const std::string fingerprint =
      model::artifact_fingerprint(kExamples + "/ceramic-armor/model.json");
  ASSERT_EQ(fingerprint.size(), 16U);
  const std::vector<float> five = {1, 2, 3, 4, 5};
  other.set(make_cache_key("ceramic-armor", "1", fingerprint, row, 1),
            std::string(reinterpret_cast<const char*>(five.data()), sizeof(float) * five.size()),
            60s);
  ASSERT_TRUE(test::eventually([&] { return other.stats().sets == 1; }));
  auto server = start_server(redis.port());
  ASSERT_TRUE(test::eventually([&] { return server->redis_stats()->connected; }));
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto v1 = client
                      .post("/v1/models/ceramic-armor:predict",
                            R"({"instances":[[7,20,10,5,5,1800,2,30,3,1.5,98.5,10]]})")
                      .value();
  EXPECT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(v1.header("X-Cache"), "MISS");
  auto reference = start_server(test::free_port());  // computes, no Redis
  auto reference_client = http::Client::connect("127.0.0.1", reference->port()).value();
  const auto expected = reference_client
                            .post("/v1/models/ceramic-armor:predict",
                                  R"({"instances":[[7,20,10,5,5,1800,2,30,3,1.5,98.5,10]]})")
                            .value();
  EXPECT_EQ(v1.body, expected.body);
}

TEST_F(RedisCacheTest, ARetrainedArtifactDoesNotAnswerFromTheOldOnesValues) {
  test::RedisProcess redis;
  auto old_model = start_server(redis.port());
  ASSERT_TRUE(test::eventually([&] { return old_model->redis_stats()->connected; }));
  EXPECT_EQ(x_cache(*old_model, 3), "MISS");
  ASSERT_TRUE(test::eventually([&] { return old_model->redis_stats()->sets >= 1; }));
  // Same names and versions, another artifact (here: the same trees, other bytes).
  test::TempDir dir;
  std::filesystem::copy(kExamples, dir.path() / "models", std::filesystem::copy_options::recursive);
  std::ofstream(dir.path() / "models" / "ceramic-armor" / "model.json", std::ios::app) << "\n";
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory((dir.path() / "models").string(), {1}));
  ServeOptions options;
  options.http.port = 0;
  options.http.threads = 1;
  RedisOptions redis_options;
  redis_options.port = redis.port();
  options.redis = redis_options;
  PredictionServer new_model(options, models);
  ASSERT_TRUE(new_model.start());
  ASSERT_TRUE(test::eventually([&] { return new_model.redis_stats()->connected; }));
  EXPECT_EQ(x_cache(new_model, 3), "MISS");
  EXPECT_EQ(new_model.redis_stats()->hits, 0);
}

TEST_F(RedisCacheTest, NoRedisMeansMissesNotFailures) {
  auto server = start_server(test::free_port());  // nothing listens there
  for (int i = 0; i < 5; ++i) EXPECT_EQ(x_cache(*server, 100 + i), "MISS");
  const auto stats = *server->redis_stats();
  EXPECT_FALSE(stats.connected);
  EXPECT_EQ(stats.hits, 0);
}

TEST_F(RedisCacheTest, KilledPausedAndRestartedRedisNeverFailsAPrediction) {
  test::RedisProcess redis;
  auto server = start_server(redis.port());
  ASSERT_TRUE(test::eventually([&] { return server->redis_stats()->connected; }));
  std::atomic<bool> stop{false};
  std::atomic<int> failures{0};
  std::atomic<int> answered{0};
  std::thread traffic([&] {
    auto client = http::Client::connect("127.0.0.1", server->port()).value();
    for (int i = 0; !stop; ++i) {
      auto response = client.post("/v2/models/ceramic-armor/infer", body_for(1000 + i));
      if (!response || response->status != 200) ++failures;
      ++answered;
    }
  });
  const auto wait_answers = [&](int more) {
    const int target = answered + more;
    return test::eventually([&] { return answered >= target; });
  };
  ASSERT_TRUE(wait_answers(50));
  redis.pause();  // stuck: every GET times out
  ASSERT_TRUE(test::eventually([&] { return server->redis_stats()->breaker_opened >= 1; }));
  ASSERT_TRUE(wait_answers(50));
  redis.resume();
  ASSERT_TRUE(test::eventually(
      [&] { return server->redis_stats()->connected && !server->redis_stats()->breaker_open; }));
  ASSERT_TRUE(wait_answers(50));
  redis.kill();  // gone
  ASSERT_TRUE(test::eventually([&] { return !server->redis_stats()->connected; }));
  ASSERT_TRUE(wait_answers(50));
  redis.start();  // back on the same port
  ASSERT_TRUE(test::eventually([&] { return server->redis_stats()->connected; }));
  const auto sets = server->redis_stats()->sets;
  ASSERT_TRUE(test::eventually([&] { return server->redis_stats()->sets > sets; }));  // used again
  stop = true;
  traffic.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_GT(server->redis_stats()->timeouts, 0);
}

}  // namespace
}  // namespace hone::serve
