// hone serve in front of another model server (backend: http), against real Python upstreams
// that count the predictions reaching them: cache hits never reach the upstream; identical
// concurrent misses make one call; single-row clients are merged into few upstream calls, each
// client given its own rows; an upstream that is down gives 502 (then 503 from the breaker) and
// pollutes no cache; a slow one gives 504 at the deadline; its 4xx are passed through, never
// cached; readiness follows its health path; v1 and v2 upstreams (FastAPI + XGBoost) answer what
// hone's own engine answers on the same model.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmath>
#include <thread>

#include "http/client.h"
#include "serve/prediction_server.h"
#include "support/listener.h"
#include "support/redis_process.h"
#include "support/temp_dir.h"
#include "support/upstream_process.h"

namespace hone::serve {
namespace {

using std::chrono::milliseconds;
using test::UpstreamProcess;

struct ModelYaml {
  std::string protocol = "v2";
  std::string extra;  // more config.yaml lines
};

// A repository with one model "sum" served by `upstream`.
std::shared_ptr<model::ModelRepository> upstream_repository(const test::TempDir& dir,
                                                            const std::string& url,
                                                            const ModelYaml& yaml = {}) {
  dir.write("models/sum/config.yaml", "name: sum\nbackend: http\nurl: " + url +
                                          "\nprotocol: " + yaml.protocol + "\n" + yaml.extra);
  auto models = std::make_shared<model::ModelRepository>();
  const auto loaded = models->load_directory(dir.file("models"));
  EXPECT_TRUE(loaded) << loaded.error().message;
  return models;
}

std::unique_ptr<PredictionServer> serve(std::shared_ptr<model::ModelRepository> models,
                                        int threads = 1) {
  ServeOptions options;
  options.http.port = 0;
  options.http.threads = threads;
  options.monitor_interval = milliseconds(0);
  auto server = std::make_unique<PredictionServer>(options, std::move(models));
  EXPECT_TRUE(server->start());
  return server;
}

std::string rows_body(const std::vector<std::vector<float>>& rows) {
  std::string data;
  for (const auto& row : rows) {
    for (const float value : row) {
      data += (data.empty() ? "" : ",") +
              (std::isnan(value) ? std::string("null") : std::to_string(value));
    }
  }
  return R"({"inputs":[{"name":"x","datatype":"FP32","shape":[)" + std::to_string(rows.size()) +
         "," + std::to_string(rows.front().size()) + R"(],"data":[)" + data + "]}]}";
}

struct Answer {
  int status = 0;
  std::string body;
  std::string cache;
};

Answer infer(std::uint16_t port, const std::string& body, const std::string& model = "sum") {
  auto client = http::Client::connect("127.0.0.1", port).value();
  auto answer = client.post("/v2/models/" + model + "/infer", body);
  if (!answer) return {-1, answer.error().message, ""};
  return {answer->status, answer->body, std::string(answer->header("X-Cache"))};
}

// `count` clients at once, client i sending body_of(i); their answers in client order.
template <typename BodyOf>
std::vector<Answer> at_once(std::uint16_t port, int count, BodyOf body_of) {
  std::vector<std::thread> clients;
  std::vector<Answer> answers(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) {
    clients.emplace_back(
        [&, i] { answers[static_cast<std::size_t>(i)] = infer(port, body_of(i)); });
  }
  for (auto& client : clients) client.join();
  return answers;
}

// The first value of the first output of a v2 answer, by text.
double first_value(const std::string& body) {
  const auto at = body.find("\"data\":[");
  return at == std::string::npos ? NAN : std::strtod(body.c_str() + at + 8, nullptr);
}

TEST(Upstream, CacheHitsNeverReachTheUpstream) {
  auto upstream = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  auto server = serve(upstream_repository(dir, upstream->url(),
                                          {.extra = "inputs: [{name: x, shape: [-1, 4]}]\n"
                                                    "cache: {ttl: 60s}\n"}));
  const auto before = upstream->calls();
  const std::string body = rows_body({{1, 2, 3, 4}, {5, 6, 7, NAN}});
  for (int i = 0; i < 10; ++i) {
    const auto answer = infer(server->port(), body);
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.cache, i == 0 ? "MISS" : "HIT");
    EXPECT_NE(answer.body.find(R"("data":[10,18])"), std::string::npos) << answer.body;
  }
  const auto after = upstream->calls();
  EXPECT_EQ(after.calls - before.calls, 1);
  EXPECT_EQ(after.rows - before.rows, 2);
  const auto* metrics = server->metrics("sum");
  ASSERT_TRUE(test::eventually([&] { return metrics->requests() == 10; }));
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kUpstream).snapshot().count, 1U);
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kCompute).snapshot().count, 0U);
}

// Two hone servers in front of one upstream share answers through Redis: what one asked the
// upstream, the other answers from Redis without asking.
TEST(Upstream, ServersShareUpstreamAnswersThroughRedis) {
  if (!test::RedisProcess::available()) GTEST_SKIP() << "scripts/setup --test installs Redis";
  test::RedisProcess redis;
  auto upstream = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  const auto start_with_redis = [&] {
    ServeOptions options;
    options.http.port = 0;
    options.http.threads = 1;
    options.monitor_interval = milliseconds(0);
    RedisOptions settings;
    settings.port = redis.port();
    options.redis = settings;
    auto server = std::make_unique<PredictionServer>(
        options, upstream_repository(dir, upstream->url(), {.extra = "cache: {ttl: 60s}\n"}));
    EXPECT_TRUE(server->start());
    EXPECT_TRUE(test::eventually([&] { return server->redis_stats()->connected; }));
    return server;
  };
  auto first = start_with_redis();
  const std::string body = rows_body({{1, 2, 3, 4}});
  EXPECT_EQ(infer(first->port(), body).cache, "MISS");
  ASSERT_TRUE(test::eventually([&] { return first->redis_stats()->sets >= 1; }));
  auto second = start_with_redis();
  const auto before = upstream->calls().calls;
  const auto answer = infer(second->port(), body);
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.cache, "HIT");
  EXPECT_EQ(first_value(answer.body), 10);
  EXPECT_EQ(upstream->calls().calls, before);
}

TEST(Upstream, IdenticalConcurrentMissesMakeOneCall) {
  auto upstream = UpstreamProcess::kserve_v2({"--delay-ms", "300"});
  test::TempDir dir;
  auto server =
      serve(upstream_repository(dir, upstream->url(), {.extra = "cache: {ttl: 60s}\n"}), 2);
  const auto before = upstream->calls();
  const std::string body = rows_body({{1, 1, 1, 1}});
  const auto answers = at_once(server->port(), 100, [&body](int) { return body; });
  for (const auto& answer : answers) {
    ASSERT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(first_value(answer.body), 4);
  }
  EXPECT_EQ(upstream->calls().calls - before.calls, 1);
  EXPECT_EQ(server->coalesced() + server->cache_stats().hits, 99);
  // Each request's trace says how it was answered: one upstream call; the coalesced ones waited
  // (their own stage), and took no queue or upstream time of their own.
  const auto* metrics = server->metrics("sum");
  ASSERT_TRUE(test::eventually([&] { return metrics->requests() == 100; }));
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kUpstream).snapshot().count, 1U);
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kQueue).snapshot().count, 1U);
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kCoalesced).snapshot().count,
            static_cast<std::uint64_t>(server->coalesced()));
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kLookup).snapshot().count, 100U);
  EXPECT_EQ(metrics->request_totals().cache_miss.count, 100 - server->cache_stats().hits);
}

TEST(Upstream, BatchingMergesSingleRowClientsAndGivesEachItsRows) {
  auto upstream = UpstreamProcess::kserve_v2({"--delay-ms", "20"});
  test::TempDir dir;
  auto server = serve(
      upstream_repository(dir, upstream->url(),
                          {.extra = "max_connections: 2\n"
                                    "batching: {max_batch_size: 64, max_queue_delay: 20ms}\n"}),
      2);
  const auto before = upstream->calls();
  const auto answers = at_once(server->port(), 64, [](int i) {
    return rows_body({{static_cast<float>(i), 1000, 0, 0}});
  });
  for (int i = 0; i < 64; ++i) {
    ASSERT_EQ(answers[i].status, 200) << answers[i].body;
    EXPECT_EQ(first_value(answers[i].body), 1000 + i) << i;
  }
  const auto after = upstream->calls();
  EXPECT_EQ(after.rows - before.rows, 64);
  // Two connections, each call waiting 20 ms for more rows: a handful of calls, not 64.
  EXPECT_LE(after.calls - before.calls, 16);
}

TEST(Upstream, MaxConnectionsBoundsTheCallsInFlight) {
  auto upstream = UpstreamProcess::kserve_v2({"--delay-ms", "100"});
  test::TempDir dir;
  auto server =
      serve(upstream_repository(dir, upstream->url(), {.extra = "max_connections: 3\n"}), 2);
  const auto answers = at_once(server->port(), 12, [](int i) {
    return rows_body({{static_cast<float>(i), 0, 0, 0}});
  });
  for (int i = 0; i < 12; ++i) {
    ASSERT_EQ(answers[i].status, 200) << answers[i].body;
    EXPECT_EQ(first_value(answers[i].body), i);
  }
  EXPECT_EQ(upstream->calls().max_in_flight, 3);
}

TEST(Upstream, DownGives502ThenTheBreaker503AndCachesNothing) {
  auto upstream = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  auto server = serve(
      upstream_repository(dir, upstream->url(), {.extra = "timeout: 30s\ncache: {ttl: 60s}\n"}));
  const std::string body = rows_body({{1, 2, 3, 4}});
  upstream->stop();
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) {
    const auto answer = infer(server->port(), body);
    EXPECT_EQ(answer.status, 502) << answer.body;
    EXPECT_NE(answer.body.find("upstream 'sum'"), std::string::npos) << answer.body;
  }
  // Refused connections are answered at once, not after the 30 s timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // Five failures in a row open the breaker: refused without trying, with a time to retry.
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto refused = client.post("/v2/models/sum/infer", body).value();
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_EQ(refused.header("Retry-After"), "1");
  EXPECT_EQ(server->cache_stats().entries, 0);
  upstream->restart();
  // After the cool-down a probe goes through; the answer is computed, not a cached failure.
  Answer answer;
  ASSERT_TRUE(test::eventually(
      [&] {
        answer = infer(server->port(), body);
        return answer.status == 200;
      },
      std::chrono::seconds(10)));
  EXPECT_EQ(answer.cache, "MISS");
  EXPECT_EQ(first_value(answer.body), 10);
}

TEST(Upstream, SlowGives504AtTheDeadline) {
  auto upstream = UpstreamProcess::kserve_v2({"--delay-ms", "3000"});
  test::TempDir dir;
  auto server = serve(upstream_repository(dir, upstream->url(), {.extra = "timeout: 300ms\n"}));
  const auto start = std::chrono::steady_clock::now();
  const auto answer = infer(server->port(), rows_body({{1, 2, 3, 4}}));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(answer.status, 504) << answer.body;
  EXPECT_NE(answer.body.find("did not answer within 300"), std::string::npos) << answer.body;
  EXPECT_GE(took, milliseconds(300));
  EXPECT_LT(took, milliseconds(2900));
}

// A listener whose accept queue is full (backlog 0, never accepting): new connections hang.
class Blackhole {
 public:
  Blackhole() {
    const test::LoopbackListener listener = test::listen_on_loopback(0);
    listener_ = listener.fd;
    port_ = listener.port;
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = htons(port_);
    for (int i = 0; i < 3; ++i) {
      const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
      ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
      held_.push_back(fd);
    }
  }
  ~Blackhole() {
    for (const int fd : held_) ::close(fd);
    ::close(listener_);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::vector<int> held_;
};

TEST(Upstream, ConnectTimeoutBoundsANewConnection) {
  Blackhole blackhole;
  test::TempDir dir;
  auto server = serve(upstream_repository(
      dir, blackhole.url(),
      {.extra = "timeout: 30s\nconnect_timeout: 200ms\ninputs: [{name: x, shape: [-1, 4]}]\n"}));
  const auto start = std::chrono::steady_clock::now();
  const auto answer = infer(server->port(), rows_body({{1, 2, 3, 4}}));
  EXPECT_EQ(answer.status, 502) << answer.body;
  EXPECT_NE(answer.body.find("timed out"), std::string::npos) << answer.body;
  // Two attempts of 200 ms, far from the 30 s answer timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Upstream, ItsErrorsArePassedThroughAndNeverCached) {
  auto upstream = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  auto server = serve(upstream_repository(dir, upstream->url(), {.extra = "cache: {ttl: 60s}\n"}));
  const std::string body = rows_body({{1, 2, 3, 4}});
  upstream->admin("status", 422);
  const auto refused = infer(server->port(), body);
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_NE(refused.body.find("forced failure 422"), std::string::npos) << refused.body;
  upstream->admin("status", 0);
  const auto answer = infer(server->port(), body);
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_EQ(answer.cache, "MISS");
}

TEST(Upstream, ReadinessFollowsItsHealthPath) {
  auto upstream = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  auto server =
      serve(upstream_repository(dir, upstream->url(), {.extra = "health: /v2/health/ready\n"}));
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto status = [&](const std::string& path) { return client.get(path).value().status; };
  ASSERT_TRUE(test::eventually([&] { return status("/v2/health/ready") == 200; }));
  EXPECT_NE(client.get("/v2/repository/index").value().body.find(R"("state":"READY")"),
            std::string::npos);
  upstream->admin("ready", 0);
  ASSERT_TRUE(test::eventually([&] { return status("/v2/health/ready") == 503; }));
  EXPECT_EQ(status("/v2/models/sum/ready"), 503);
  EXPECT_EQ(status("/v2/health/live"), 200);
  // The repository index says why, and leaves it out of the ready ones.
  EXPECT_EQ(client.get("/v2/repository/index").value().body,
            R"x([{"name":"sum","version":"1","state":"UNAVAILABLE","reason":"its backend is not )x"
            R"x(ready (its upstream fails its health check)"}])x");
  EXPECT_EQ(client.post("/v2/repository/index", R"({"ready":true})").value().body, "[]");
  upstream->admin("ready", 1);
  EXPECT_TRUE(test::eventually([&] { return status("/v2/models/sum/ready") == 200; }));
}

TEST(Upstream, AV2UpstreamDescribesItsInputs) {
  auto upstream = UpstreamProcess::kserve_v2({"--width", "3"});
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->add_upstream("sum=" + upstream->url(), "v2"));
  const model::Model* model = models->find("sum");
  EXPECT_EQ(model->input().name, "x");
  EXPECT_EQ(model->input().row_width(), 3);
  // A v1 upstream cannot say; the error says what to do.
  auto v1 = std::make_shared<model::ModelRepository>();
  const auto refused = v1->add_upstream("sum=" + upstream->url(), "v1");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("declare them in the model's config.yaml"),
            std::string::npos)
      << refused.error().message;
  const auto bad = v1->add_upstream("http://127.0.0.1:1", "v2");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("give NAME=URL"), std::string::npos);
}

// The same XGBoost model served by FastAPI (v2 and v1 routes) through hone, and by hone's own
// engine: the same predictions, missing values included.
TEST(Upstream, FastApiBehindHoneAnswersWhatTheModelAnswers) {
  if (!UpstreamProcess::fastapi_available())
    GTEST_SKIP() << "scripts/setup --test installs FastAPI";
  const std::string artifact = std::string(HONE_SOURCE_DIR) + "/examples/models/ceramic-armor";
  auto upstream = UpstreamProcess::fastapi(artifact + "/model.json");
  test::TempDir dir;
  const std::string inputs = "inputs: [{name: features, shape: [-1, 12]}]\n";
  for (const char* protocol : {"v2", "v1"}) {
    dir.write(std::string("models/") + protocol + "/config.yaml",
              std::string("name: ceramic-") + protocol +
                  "\nbackend: http\nurl: " + upstream->url() +
                  (protocol == std::string("v2") ? "/v2/models/m/infer" : "/v1/models/m:predict") +
                  "\nprotocol: " + protocol + "\n" + inputs);
  }
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(dir.file("models")));
  ASSERT_TRUE(models->add_artifact("local=" + artifact, "xgboost"));
  auto server = serve(models);
  const std::string body =
      R"({"inputs":[{"name":"features","datatype":"FP32","shape":[2,12],"data":[)"
      R"(60,20,10,5,5,1800,2,30,3,1.5,98.5,10,90,null,0,0,2,1650,1,0,8,4,96,5]}]})";
  const auto local = infer(server->port(), body, "local");
  ASSERT_EQ(local.status, 200) << local.body;
  const auto before = upstream->calls();
  for (const char* model : {"ceramic-v2", "ceramic-v1"}) {
    const auto answer = infer(server->port(), body, model);
    ASSERT_EQ(answer.status, 200) << model << ": " << answer.body;
    const auto data = [](const std::string& text) { return text.substr(text.find("\"data\"")); };
    EXPECT_EQ(data(answer.body), data(local.body)) << model;
  }
  EXPECT_EQ(upstream->calls().calls - before.calls, 2);
}

}  // namespace
}  // namespace hone::serve
