// hone serve's observability over HTTP: /metrics values equal to the traffic sent (and accepted
// by promtool), history and CSV rows on a test-driven clock, alerts to a webhook, admin calls
// refused without the token, the dashboard and its assets, and --no-metrics.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>

#include "http/client.h"
#include "serve/alert_webhook.h"
#include "serve/prediction_server.h"
#include "support/process.h"
#include "support/redis_process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace hone::serve {
namespace {

const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";

std::string body_for(int value) {
  return R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":[)" +
         std::to_string(value) + ",20,10,5,5,1800,2,30,3,1.5,98.5,10]}]}";
}

// Sends a prediction that must succeed.
void post_ok(http::Client& client, const std::string& path, const std::string& body) {
  auto response = client.post(path, body);
  ASSERT_TRUE(response) << response.error().message;
  ASSERT_EQ(response->status, 200) << response->body;
}

// A request counts once its answer is written; the client may see the answer a moment before
// the server has recorded it. Waits until `model` has counted `requests`.
void wait_counted(PredictionServer& server, const std::string& model, std::int64_t requests) {
  const auto* metrics = server.metrics(model);
  ASSERT_NE(metrics, nullptr);
  ASSERT_TRUE(test::eventually([&] { return metrics->requests() >= requests; }));
}

std::unique_ptr<PredictionServer> start(ServeOptions options = {}) {
  auto models = std::make_shared<model::ModelRepository>();
  EXPECT_TRUE(models->load_directory(kExamples, {1}));
  options.http.port = 0;
  options.http.threads = 1;
  options.monitor_interval = std::chrono::milliseconds(0);  // the test ticks the monitor
  auto server = std::make_unique<PredictionServer>(options, models);
  EXPECT_TRUE(server->start());
  return server;
}

// name{labels} -> value, for every sample of a Prometheus text page.
std::map<std::string, double> samples(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::strtod(line.c_str() + space + 1, nullptr);
  }
  return out;
}

TEST(Observability, MetricsCountTheTrafficExactly) {
  auto server = start();
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(client.post("/v2/models/ceramic-armor/infer", body_for(i % 3)).value().status, 200);
  for (int i = 0; i < 2; ++i)
    ASSERT_EQ(client.post("/v2/models/ceramic-armor/infer", "{bad").value().status, 400);
  ASSERT_EQ(client.post("/v1/models/fraud-detector:predict", R"({"instances":[{"amount_usd":5}]})")
                .value()
                .status,
            200);
  ASSERT_EQ(client.post("/v2/models/nope/infer", body_for(1)).value().status, 404);
  wait_counted(*server, "ceramic-armor", 12);
  wait_counted(*server, "fraud-detector", 1);
  const auto page = client.get("/metrics").value();
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/plain; version=0.0.4; charset=utf-8");
  auto m = samples(page.body);
  EXPECT_EQ(m["hone_requests_total{model=\"ceramic-armor\",status=\"200\"}"], 10);
  EXPECT_EQ(m["hone_requests_total{model=\"ceramic-armor\",status=\"400\"}"], 2);
  EXPECT_EQ(m["hone_requests_total{model=\"fraud-detector\",status=\"200\"}"], 1);
  EXPECT_EQ(m["hone_request_duration_seconds_count{model=\"ceramic-armor\"}"], 10);
  // Each stage counts the requests that passed through it: three distinct inputs are three
  // computations; all ten were decoded, looked up in the cache, encoded.
  for (const char* stage : {"decode", "cache_lookup", "serialize"}) {
    EXPECT_EQ(m[std::string("hone_") + stage + "_duration_seconds_count{model=\"ceramic-armor\"}"],
              10)
        << stage;
  }
  EXPECT_EQ(m["hone_queue_duration_seconds_count{model=\"ceramic-armor\"}"], 3);
  EXPECT_EQ(m["hone_compute_duration_seconds_count{model=\"ceramic-armor\"}"], 3);
  EXPECT_EQ(m["hone_upstream_duration_seconds_count{model=\"ceramic-armor\"}"], 0);
  EXPECT_EQ(m["hone_redis_duration_seconds_count{model=\"ceramic-armor\"}"], 0);
  EXPECT_GT(m["hone_request_duration_seconds_sum{model=\"ceramic-armor\"}"], 0);
  EXPECT_EQ(m["hone_pending_requests{model=\"ceramic-armor\"}"], 0);
  // Buckets rise with le and end at the count.
  double previous = 0;
  const std::string bucket = R"(hone_request_duration_seconds_bucket{model="ceramic-armor",le=")";
  int buckets = 0;
  std::vector<std::pair<double, double>> ordered;
  for (const auto& [name, value] : m) {
    if (name.rfind(bucket, 0) != 0 || name.size() < bucket.size() + 2) continue;
    const std::string le = name.substr(bucket.size(), name.size() - bucket.size() - 2);
    ordered.emplace_back(le == "+Inf" ? 1e300 : std::stod(le), value);
    if (le != "+Inf") ++buckets;
  }
  EXPECT_GT(buckets, 20);
  std::sort(ordered.begin(), ordered.end());
  for (const auto& [le, value] : ordered) {
    EXPECT_GE(value, previous) << le;
    previous = value;
  }
  EXPECT_EQ(ordered.back().second, 10);
  // Three distinct inputs: 3 computations, 7 hits (the cache is on in the demo configs).
  EXPECT_EQ(m["hone_cache_hits_total{layer=\"l1\"}"], 7);
  EXPECT_EQ(m["hone_cache_misses_total{layer=\"l1\"}"], 4);  // 3 + the fraud request
  EXPECT_EQ(m["hone_batch_rows_count{model=\"ceramic-armor\"}"], 3);
  EXPECT_EQ(m["hone_open_connections"], 1);
  EXPECT_EQ(m["hone_ready"], 1);
}

TEST(Observability, PromtoolAcceptsTheMetrics) {
  if (std::system("command -v promtool > /dev/null 2>&1") != 0)
    FAIL() << "promtool not installed: run scripts/setup";
  auto server = start();
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  for (int i = 0; i < 5; ++i) post_ok(client, "/v2/models/ceramic-armor/infer", body_for(i));
  wait_counted(*server, "ceramic-armor", 5);
  server->monitor().tick(std::chrono::steady_clock::now(), 1'000'000);
  test::TempDir dir;
  const std::string file = dir.write("metrics.txt", client.get("/metrics").value().body);
  const auto result = test::run_process({"/bin/sh", "-c", "promtool check metrics < " + file});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out + result.err, "") << "promtool found problems";
}

TEST(Observability, HistoryAndCsvHoldOneRowPerSecond) {
  auto server = start();
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto t0 = std::chrono::steady_clock::now();
  server->monitor().tick(t0, 5000);  // baseline
  for (int i = 0; i < 5; ++i) post_ok(client, "/v2/models/ceramic-armor/infer", body_for(100 + i));
  wait_counted(*server, "ceramic-armor", 5);
  server->monitor().tick(t0 + std::chrono::seconds(1), 5001);
  for (int i = 0; i < 3; ++i)
    post_ok(
        client, "/v2/models/fraud-detector/infer",
        R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,30],"data":[)" +
            std::string(
                "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,") +
            std::to_string(i) + "]}]}");
  wait_counted(*server, "fraud-detector", 3);
  server->monitor().tick(t0 + std::chrono::seconds(2), 5002);
  const auto history = client.get("/api/performance/history?window=2s").value();
  ASSERT_EQ(history.status, 200) << history.body;
  EXPECT_NE(history.body.find(R"("window_s":2)"), std::string::npos);
  EXPECT_NE(history.body.find(R"({"time":5001,"requests":5,)"), std::string::npos) << history.body;
  EXPECT_NE(history.body.find(R"({"time":5002,"requests":3,)"), std::string::npos) << history.body;
  const auto seconds = server->monitor().history().last(10);
  ASSERT_EQ(seconds.size(), 3U);
  EXPECT_EQ(seconds[1].models[0].requests, 5);  // ceramic-armor
  EXPECT_EQ(seconds[2].models[1].requests, 3);  // fraud-detector
  EXPECT_GT(seconds[1].p99_ms, 0);
  const auto csv = client.get("/api/performance/export.csv?window=2s").value();
  EXPECT_EQ(csv.header("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(std::count(csv.body.begin(), csv.body.end(), '\n'), 3);
  EXPECT_NE(csv.body.find("\n5001,5,0,"), std::string::npos) << csv.body;
  EXPECT_EQ(client.get("/api/performance/history?window=soon").value().status, 400);
  const auto performance = client.get("/api/performance").value();
  // The demo configs say backend auto: the native engine serves them, and says why.
  EXPECT_NE(performance.body.find(R"("name":"ceramic-armor","backend":"trees",)"
                                  R"("backend_choice":"auto chose trees: the native engine )"
                                  R"(supports this model")"),
            std::string::npos)
      << performance.body;
  EXPECT_NE(performance.body.find(R"("first_prediction":)"), std::string::npos);
  const auto system = client.get("/api/system").value();
  EXPECT_EQ(system.body.rfind(R"({"time":)", 0), 0u) << system.body;
  EXPECT_NE(system.body.find(R"("rss_bytes":)"), std::string::npos);
  EXPECT_EQ(system.body.find(R"("requests":)"), std::string::npos) << "only the system sample";
}

TEST(Observability, AlertsFireToTheWebhookAndResolve) {
  test::TestServer receiver;
  ServeOptions options;
  options.alerts.push_back(monitor::parse_alert_rule("rps > 2").value());
  options.alert_webhook = receiver.url("/hooks/hone");
  auto server = start(options);
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto t0 = std::chrono::steady_clock::now();
  server->monitor().tick(t0, 7000);
  for (int i = 0; i < 4; ++i) post_ok(client, "/v2/models/ceramic-armor/infer", body_for(i));
  wait_counted(*server, "ceramic-armor", 4);
  server->monitor().tick(t0 + std::chrono::seconds(1), 7001);  // 4 rps: fires
  const auto alerts = client.get("/api/alerts").value();
  EXPECT_NE(alerts.body.find(R"("state":"firing")"), std::string::npos) << alerts.body;
  server->monitor().tick(t0 + std::chrono::seconds(2), 7002);  // quiet: resolves
  EXPECT_NE(client.get("/api/alerts").value().body.find(R"("state":"resolved")"),
            std::string::npos);
  const auto metrics = samples(client.get("/metrics").value().body);
  EXPECT_EQ(metrics.at("hone_alerts_firing"), 0);
  // The webhook thread delivers both transitions.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (receiver.requests() < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::yield();
  const auto bodies = receiver.bodies();
  ASSERT_EQ(bodies.size(), 2U);
  EXPECT_NE(bodies[0].find(R"("state":"firing")"), std::string::npos) << bodies[0];
  EXPECT_NE(bodies[1].find(R"("state":"resolved")"), std::string::npos) << bodies[1];
  EXPECT_EQ(receiver.paths().at("/hooks/hone"), 2);
}

TEST(Observability, AWebhookThatNeverAnswersDoesNotHoldUpTheStop) {
  test::TestServerOptions hanging;
  hanging.never_answer = true;
  test::TestServer receiver(hanging);
  auto webhook = AlertWebhook::create(receiver.url("/hooks")).value();
  monitor::AlertEvent event;
  event.state.rule = monitor::parse_alert_rule("rps > 2").value();
  event.state.status = monitor::AlertStatus::kFiring;
  for (int i = 0; i < 20; ++i) webhook->notify(event);  // 20 x a 2 s timeout if all were tried
  const auto started = std::chrono::steady_clock::now();
  webhook.reset();
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(8));
  EXPECT_FALSE(AlertWebhook::create("http://127.0.0.1:80x/a"));
  EXPECT_FALSE(AlertWebhook::create("http://127.0.0.1:0/a"));
  EXPECT_FALSE(AlertWebhook::create("https://127.0.0.1/a"));
}

TEST(Observability, AdminCallsNeedTheToken) {
  ServeOptions options;
  options.admin_token = "s3cret";
  auto server = start(options);
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  post_ok(client, "/v2/models/ceramic-armor/infer", body_for(1));
  const auto refused = client.request("DELETE", "/api/cache").value();
  EXPECT_EQ(refused.status, 401);
  EXPECT_EQ(refused.header("WWW-Authenticate"), "Bearer");
  EXPECT_EQ(client.request("DELETE", "/api/cache", "", {{"Authorization", "Bearer wrong"}})
                .value()
                .status,
            401);
  EXPECT_EQ(server->cache_stats().entries, 1);
  const auto cleared =
      client.request("DELETE", "/api/cache", "", {{"Authorization", "Bearer s3cret"}}).value();
  EXPECT_EQ(cleared.status, 200);
  EXPECT_EQ(cleared.body, R"({"cleared":true,"entries_removed":1})");
  EXPECT_EQ(server->cache_stats().entries, 0);
  EXPECT_EQ(client.request("POST", "/api/models/ceramic-armor/warmup", "").value().status, 401);
  const auto warm = client
                        .request("POST", "/api/models/ceramic-armor/warmup", "",
                                 {{"Authorization", "Bearer s3cret"}})
                        .value();
  EXPECT_EQ(warm.status, 200);
  EXPECT_NE(warm.body.find(R"("model":"ceramic-armor")"), std::string::npos);
  // The demo config has no warmup section: one round of one row of zeros, predicted.
  EXPECT_NE(warm.body.find(R"("rounds":1,"rows":1,)"), std::string::npos) << warm.body;
  EXPECT_EQ(
      client.request("POST", "/api/models/ghost/warmup", "", {{"Authorization", "Bearer s3cret"}})
          .value()
          .status,
      404);
  EXPECT_EQ(client.get("/api/cache").value().status, 200);  // reading needs no token
  auto open = start();  // no token configured: admin calls are off
  auto other = http::Client::connect("127.0.0.1", open->port()).value();
  const auto disabled =
      other.request("DELETE", "/api/cache", "", {{"Authorization", "Bearer anything"}}).value();
  EXPECT_EQ(disabled.status, 401);
  EXPECT_NE(disabled.body.find("--admin-token"), std::string::npos);
}

TEST(Observability, DashboardIsServedFromTheBinary) {
  auto server = start();
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  const auto page = client.get("/dashboard").value();
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.header("Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/dashboard/uPlot.iife.min.js"), std::string::npos);
  const auto script = client.get("/dashboard/uPlot.iife.min.js").value();
  EXPECT_EQ(script.status, 200);
  EXPECT_GT(script.body.size(), 20000U);
  EXPECT_EQ(client.get("/dashboard/app.js").value().header("Content-Type"),
            "text/javascript; charset=utf-8");
  EXPECT_EQ(client.get("/dashboard/secrets.txt").value().status, 404);
}

TEST(Observability, NoMetricsMeansNoMetricRoutes) {
  ServeOptions options;
  options.metrics = false;
  auto server = start(options);
  auto client = http::Client::connect("127.0.0.1", server->port()).value();
  EXPECT_EQ(client.post("/v2/models/ceramic-armor/infer", body_for(1)).value().status, 200);
  EXPECT_EQ(client.get("/metrics").value().status, 404);
  EXPECT_EQ(client.get("/dashboard").value().status, 404);
  const auto stats = client.get("/v2/models/ceramic-armor/stats").value();
  EXPECT_EQ(stats.status, 404);
  EXPECT_NE(stats.body.find("--no-metrics"), std::string::npos) << stats.body;
  EXPECT_EQ(client.get("/v2").value().body.find("statistics"), std::string::npos);
  EXPECT_EQ(client.get("/api/cache").value().status, 200);
}

}  // namespace
}  // namespace hone::serve
