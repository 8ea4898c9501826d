// hone serve in front of a plain JSON API (backend http, protocol json), against real Python
// upstreams that count the predictions reaching them: the FastAPI + XGBoost app of bench/peers
// (POST /predict with a pydantic body) and the KServe v2 test server. Requests that mean the same
// (key order, whitespace, number spelling) share a cache entry; key headers keep tenants apart;
// the upstream's errors and answers that forbid it are passed through and never kept; other
// paths are proxied unchanged or refused; mounts put upstreams under prefixes (the KServe server
// under /ks, since hone's own /v2 paths win); identical misses
// make one call; a slow upstream gives 504, a dead one 502, a full queue 503; gateways share
// answers through Redis.
#include <gtest/gtest.h>

#include <thread>

#include "http/client.h"
#include "serve/prediction_server.h"
#include "support/redis_process.h"
#include "support/temp_dir.h"
#include "support/upstream_process.h"

namespace hone::serve {
namespace {

using std::chrono::milliseconds;
using test::UpstreamProcess;

const std::string kArtifact =
    std::string(HONE_SOURCE_DIR) + "/examples/models/ceramic-armor/model.json";
const std::string kRow = "[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]";

// Writes models/NAME/config.yaml for a json upstream at `url` with more `lines`.
void json_upstream(const test::TempDir& dir, const std::string& name, const std::string& url,
                   const std::string& lines = "cache: {ttl: 60s}\n") {
  dir.write("models/" + name + "/config.yaml",
            "backend: http\nurl: " + url + "\nprotocol: json\n" + lines);
}

std::unique_ptr<PredictionServer> serve(const test::TempDir& dir, int threads = 1,
                                        std::optional<RedisOptions> redis = std::nullopt,
                                        std::shared_ptr<Authenticator> auth = nullptr) {
  auto models = std::make_shared<model::ModelRepository>();
  const auto loaded = models->load_directory(dir.file("models"));
  EXPECT_TRUE(loaded) << loaded.error().message;
  ServeOptions options;
  options.http.port = 0;
  options.http.threads = threads;
  options.monitor_interval = milliseconds(0);
  options.redis = std::move(redis);
  options.auth = std::move(auth);
  auto server = std::make_unique<PredictionServer>(options, std::move(models));
  EXPECT_TRUE(server->start());
  return server;
}

struct Answer {
  int status = 0;
  std::string body;
  std::string cache;
  http::ClientResponse raw;
};

Answer send(std::uint16_t port, const std::string& method, const std::string& target,
            const std::string& body = {}, std::vector<http::Header> headers = {}) {
  auto client = http::Client::connect("127.0.0.1", port).value();
  if (!body.empty()) headers.push_back({"Content-Type", "application/json"});
  auto answer = client.request(method, target, body, headers);
  if (!answer) return {-1, answer.error().message, "", {}};
  return {answer->status, answer->body, std::string(answer->header("X-Cache")), *answer};
}

Answer predict(std::uint16_t port, const std::string& body, std::vector<http::Header> headers = {},
               const std::string& target = "/predict") {
  return send(port, "POST", target, body, std::move(headers));
}

#define REQUIRE_FASTAPI()                          \
  if (!UpstreamProcess::fastapi_available())       \
  GTEST_SKIP() << "scripts/setup --test installs " \
                  "FastAPI"

TEST(JsonUpstream, RequestsThatMeanTheSameShareAnEntryAndGetTheUpstreamsAnswer) {
  REQUIRE_FASTAPI();
  auto upstream = UpstreamProcess::fastapi(kArtifact);
  const std::string body = R"({"features":)" + kRow + "}";
  const auto direct = predict(upstream->port(), body);
  ASSERT_EQ(direct.status, 200) << direct.body;
  test::TempDir dir;
  json_upstream(dir, "ceramic", upstream->url());
  auto server = serve(dir);
  const auto before = upstream->calls().calls;
  const auto first = predict(server->port(), body);
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.cache, "MISS");
  EXPECT_EQ(first.body, direct.body);
  EXPECT_EQ(first.raw.header("Content-Type"), "application/json");
  for (const std::string same :
       {R"({ "features" : [60.0, 20, 10, 5, 5, 1.8e3, 2, 30, 3, 1.50, 98.5, 10] })",
        "{\n\t\"features\": [6E1,20,10,5,5,1800,2,30,3,15e-1,98.5,10.0]\n}"}) {
    const auto hit = predict(server->port(), same);
    EXPECT_EQ(hit.status, 200) << hit.body;
    EXPECT_EQ(hit.cache, "HIT") << same;
    EXPECT_EQ(hit.body, direct.body);
  }
  const auto other =
      predict(server->port(), R"({"features":[61,20,10,5,5,1800,2,30,3,1.5,98.5,10]})");
  EXPECT_EQ(other.cache, "MISS");
  EXPECT_NE(other.body, direct.body);
  const auto fresh = predict(server->port(), body, {{"Cache-Control", "no-cache"}});
  EXPECT_EQ(fresh.cache, "MISS");
  EXPECT_EQ(upstream->calls().calls - before, 3);
  // It is measured like a model: five predictions, three upstream calls, in /metrics by name.
  const auto* metrics = server->metrics("ceramic");
  ASSERT_NE(metrics, nullptr);
  ASSERT_TRUE(test::eventually([&] { return metrics->requests() == 5; }));
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kUpstream).snapshot().count, 3U);
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kLookup).snapshot().count, 4U);  // not no-cache's
  const auto text = send(server->port(), "GET", "/metrics").body;
  EXPECT_NE(text.find(R"(hone_requests_total{model="ceramic",status="200"} 5)"), std::string::npos);
  const auto performance = send(server->port(), "GET", "/api/performance").body;
  EXPECT_NE(performance.find(R"("name":"ceramic","backend":"http","protocol":"json")"),
            std::string::npos)
      << performance;
}

TEST(JsonUpstream, KeyHeadersKeepClientsApart) {
  REQUIRE_FASTAPI();
  auto upstream = UpstreamProcess::fastapi(kArtifact);
  test::TempDir dir;
  json_upstream(dir, "tenants", upstream->url(),
                "mount: /t\nkey_headers: [X-Tenant]\ncache: {ttl: 60s}\n");
  json_upstream(dir, "keys", upstream->url(), "mount: /k\ncache: {ttl: 60s}\n");
  auto server = serve(dir);
  const std::string body = R"({"features":)" + kRow + "}";
  const auto a = predict(server->port(), body, {{"X-Tenant", "a"}}, "/t/predict");
  const auto b = predict(server->port(), body, {{"X-Tenant", "b"}}, "/t/predict");
  const auto a_again = predict(server->port(), body, {{"X-Tenant", "a"}}, "/t/predict");
  EXPECT_EQ(a.cache, "MISS");
  EXPECT_EQ(b.cache, "MISS");
  EXPECT_EQ(a_again.cache, "HIT");
  EXPECT_NE(a.body.find(R"("tenant":"a")"), std::string::npos) << a.body;
  EXPECT_NE(b.body.find(R"("tenant":"b")"), std::string::npos) << b.body;
  EXPECT_EQ(a_again.body, a.body);
  // Without key_headers, the credentials are the key: another API key never shares an answer.
  const auto one = predict(server->port(), body, {{"Authorization", "Bearer one"}}, "/k/predict");
  const auto two = predict(server->port(), body, {{"Authorization", "Bearer two"}}, "/k/predict");
  const auto one_again =
      predict(server->port(), body, {{"Authorization", "Bearer one"}}, "/k/predict");
  EXPECT_EQ(one.cache, "MISS");
  EXPECT_EQ(two.cache, "MISS");
  EXPECT_EQ(one_again.cache, "HIT");
}

// With credentials on, a json upstream's predictions need them like a model's, its refusals are
// counted under their status, and `auth: none` opens one upstream. (The upstreams are not
// running: a refused request never reaches them, an admitted one gets 502.)
TEST(JsonUpstream, CredentialsGuardItsRoutesAndRefusalsAreCounted) {
  test::TempDir dir;
  json_upstream(dir, "guarded", "http://127.0.0.1:9", "mount: /g\n");
  json_upstream(dir, "open", "http://127.0.0.1:9", "mount: /o\nauth: none\n");
  auto keys = ApiKeys::load(dir.write("keys", "k1 models=guarded\n"), {});
  ASSERT_TRUE(keys);
  auto server =
      serve(dir, 1, std::nullopt, std::make_shared<Authenticator>(std::move(*keys), nullptr));
  const std::string body = R"({"features":)" + kRow + "}";
  EXPECT_EQ(predict(server->port(), body, {}, "/g/predict").status, 401);
  EXPECT_EQ(predict(server->port(), body, {{"X-API-Key", "nope"}}, "/g/predict").status, 401);
  EXPECT_EQ(predict(server->port(), body, {{"X-API-Key", "k1"}}, "/g/predict").status, 502);
  EXPECT_EQ(predict(server->port(), body, {}, "/o/predict").status, 502);
  const auto statuses = server->metrics("guarded")->statuses();
  EXPECT_EQ(statuses.count(401) ? statuses.at(401) : 0, 2);
}

TEST(JsonUpstream, ErrorsAndAnswersThatForbidItArePassedThroughAndNeverKept) {
  REQUIRE_FASTAPI();
  auto upstream = UpstreamProcess::fastapi(kArtifact);
  test::TempDir dir;
  json_upstream(dir, "ceramic", upstream->url());
  auto server = serve(dir);
  for (int i = 0; i < 2; ++i) {
    const auto invalid = predict(server->port(), R"({"features":"not a list"})");
    EXPECT_EQ(invalid.status, 422) << invalid.body;  // pydantic's own refusal, as it is
    EXPECT_NE(invalid.body.find("\"detail\""), std::string::npos) << invalid.body;
    EXPECT_EQ(invalid.cache, "");
    const auto broken = predict(server->port(), R"({"features": [1, 2)");
    EXPECT_EQ(broken.status, 422) << broken.body;  // not JSON: forwarded for FastAPI to judge
  }
  const std::string body = R"({"features":)" + kRow + "}";
  for (int i = 0; i < 2; ++i) {
    const auto session = predict(server->port(), body, {}, "/predict/session");
    EXPECT_EQ(session.status, 200) << session.body;
    EXPECT_EQ(session.cache, "MISS");  // it set a cookie: not kept
    EXPECT_NE(session.raw.header("Set-Cookie").find("session="), std::string::npos);
  }
  EXPECT_EQ(server->cache_stats().entries, 0);
  const auto* metrics = server->metrics("ceramic");
  ASSERT_TRUE(test::eventually([&] { return metrics->requests() == 4; }));
  EXPECT_EQ(metrics->failures(), 2);  // the two 422s to valid JSON; the broken ones were proxied
}

TEST(JsonUpstream, OtherPathsAreProxiedOrRefusedAndMountsPutUpstreamsUnderPrefixes) {
  REQUIRE_FASTAPI();
  auto fastapi = UpstreamProcess::fastapi(kArtifact);
  auto kserve = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  json_upstream(dir, "fa", fastapi->url(),
                "mount: /fa\nroutes: [{path: /admin/*, action: refuse}]\ncache: {ttl: 60s}\n");
  json_upstream(dir, "ks", kserve->url(), "mount: /ks\ncache: {ttl: 60s}\n");
  auto server = serve(dir);
  const auto info = send(server->port(), "GET", "/fa/info", {}, {{"User-Agent", "tester/1"}});
  EXPECT_EQ(info.status, 200) << info.body;
  EXPECT_NE(info.body.find(R"("method":"GET","user_agent":"tester/1")"), std::string::npos)
      << info.body;
  const auto refused = send(server->port(), "GET", "/fa/admin/users");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("upstream 'fa' refuses it"), std::string::npos) << refused.body;
  const auto query = predict(server->port(), R"({"features":)" + kRow + "}", {}, "/fa/predict?v=2");
  EXPECT_EQ(query.status, 200) << query.body;
  EXPECT_NE(query.body.find(R"("query":"v=2")"), std::string::npos) << query.body;
  const auto sum =
      predict(server->port(),
              R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[1,2,3,0]}]})", {},
              "/ks/v2/models/sum/infer");
  EXPECT_EQ(sum.status, 200) << sum.body;
  EXPECT_NE(sum.body.find(R"("data": [6.0])"), std::string::npos) << sum.body;
  EXPECT_EQ(kserve->calls().calls, 1);
  EXPECT_EQ(send(server->port(), "GET", "/elsewhere").status, 404);        // under no mount
  EXPECT_EQ(send(server->port(), "GET", "/fab/info").status, 404);         // not under /fa/
  EXPECT_EQ(send(server->port(), "GET", "/v2/health/ready").status, 200);  // hone's own paths win
}

TEST(JsonUpstream, IdenticalConcurrentMissesMakeOneCall) {
  auto upstream = UpstreamProcess::kserve_v2({"--delay-ms", "300"});
  test::TempDir dir;
  json_upstream(dir, "sum", upstream->url(), "mount: /ks\ncache: {ttl: 60s}\n");
  auto server = serve(dir, 2);
  const std::string body =
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[2,2,0,0]}]})";
  std::vector<std::thread> clients;
  std::vector<Answer> answers(50);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    clients.emplace_back(
        [&, i] { answers[i] = predict(server->port(), body, {}, "/ks/v2/models/sum/infer"); });
  }
  for (auto& client : clients) client.join();
  for (const auto& answer : answers) {
    EXPECT_EQ(answer.status, 200) << answer.body;
    EXPECT_EQ(answer.body, answers[0].body);
  }
  EXPECT_EQ(upstream->calls().calls, 1);
  EXPECT_EQ(server->coalesced() + server->cache_stats().hits, 49);
  const auto* metrics = server->metrics("sum");
  ASSERT_TRUE(test::eventually([&] { return metrics->requests() == 50; }));
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kUpstream).snapshot().count, 1U);
  EXPECT_EQ(metrics->stage_us(monitor::Stage::kCoalesced).snapshot().count,
            static_cast<std::uint64_t>(server->coalesced()));
}

TEST(JsonUpstream, SlowIs504DeadIs502AndAFullQueue503NothingKept) {
  auto upstream = UpstreamProcess::kserve_v2({"--delay-ms", "1000"});
  test::TempDir dir;
  json_upstream(dir, "sum", upstream->url(),
                "mount: /ks\ntimeout: 300ms\nmax_connections: 1\n"
                "batching: {enabled: false, max_queue_size: 1}\ncache: {ttl: 60s}\n");
  auto server = serve(dir, 2);
  const auto body = [](int i) {
    return R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[0,0,0,)" +
           std::to_string(i) + "]}]}";
  };
  const auto start = std::chrono::steady_clock::now();
  const auto slow = predict(server->port(), body(0), {}, "/ks/v2/models/sum/infer");
  EXPECT_EQ(slow.status, 504) << slow.body;
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  // One call at a time and one waiting: of four different requests at once, some find the
  // queue full and are refused at once with Retry-After.
  std::vector<std::thread> clients;
  std::vector<Answer> answers(4);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    clients.emplace_back([&, i] {
      answers[i] =
          predict(server->port(), body(static_cast<int>(i) + 1), {}, "/ks/v2/models/sum/infer");
    });
  }
  for (auto& client : clients) client.join();
  int busy = 0;
  for (const auto& answer : answers) {
    if (answer.status != 503) continue;
    ++busy;
    EXPECT_EQ(answer.raw.header("Retry-After"), "1");
    EXPECT_NE(answer.body.find("takes no more calls now"), std::string::npos) << answer.body;
  }
  EXPECT_GE(busy, 1);
  EXPECT_LE(busy, 3);
  upstream->stop();
  std::this_thread::sleep_for(milliseconds(1200));  // the breaker's cool-down after the 504s
  const auto dead = predict(server->port(), body(9), {}, "/ks/v2/models/sum/infer");
  EXPECT_EQ(dead.status, 502) << dead.body;
  EXPECT_EQ(server->cache_stats().entries, 0);
}

TEST(JsonUpstream, GatewaysShareAnswersThroughRedis) {
  if (!test::RedisProcess::available()) GTEST_SKIP() << "scripts/setup --test installs Redis";
  test::RedisProcess redis;
  auto upstream = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  json_upstream(dir, "sum", upstream->url(), "mount: /ks\ncache: {ttl: 60s}\n");
  RedisOptions settings;
  settings.port = redis.port();
  auto first = serve(dir, 1, settings);
  ASSERT_TRUE(test::eventually([&] { return first->redis_stats()->connected; }));
  const std::string body =
      R"({"inputs":[{"name":"x","datatype":"FP32","shape":[1,4],"data":[3,4,0,0]}]})";
  const auto computed = predict(first->port(), body, {}, "/ks/v2/models/sum/infer");
  EXPECT_EQ(computed.cache, "MISS");
  ASSERT_TRUE(test::eventually([&] { return first->redis_stats()->sets >= 1; }));
  auto second = serve(dir, 1, settings);
  ASSERT_TRUE(test::eventually([&] { return second->redis_stats()->connected; }));
  const auto shared = predict(second->port(), body, {}, "/ks/v2/models/sum/infer");
  EXPECT_EQ(shared.status, 200) << shared.body;
  EXPECT_EQ(shared.cache, "HIT");
  EXPECT_EQ(shared.body, computed.body);
  EXPECT_EQ(shared.raw.header("Content-Type"), computed.raw.header("Content-Type"));
  EXPECT_EQ(upstream->calls().calls, 1);
}

TEST(JsonUpstream, ReadinessFollowsItsHealthPath) {
  auto upstream = UpstreamProcess::kserve_v2();
  test::TempDir dir;
  json_upstream(dir, "sum", upstream->url(), "mount: /ks\nhealth: /v2/health/ready\n");
  auto server = serve(dir);
  const auto status = [&](const std::string& path) {
    return send(server->port(), "GET", path).status;
  };
  ASSERT_TRUE(test::eventually([&] { return status("/v2/health/ready") == 200; }));
  upstream->admin("ready", 0);
  ASSERT_TRUE(test::eventually([&] { return status("/v2/health/ready") == 503; }));
  EXPECT_EQ(status("/v2/health/live"), 200);
  upstream->admin("ready", 1);
  EXPECT_TRUE(test::eventually([&] { return status("/v2/health/ready") == 200; }));
}

}  // namespace
}  // namespace hone::serve
