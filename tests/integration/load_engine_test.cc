// The load engine against in-process servers whose latency the test controls: rate accuracy,
// coordinated-omission correction under stalls, the closed model, errors of every kind, data
// templates, auth, HTTPS and shards.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <thread>

#include "load/engine.h"
#include "load/options.h"
#include "report/merge.h"
#include "report/result_json.h"
#include "report/schedule_check.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "support/tls_server.h"

namespace hone::load {
namespace {

report::LoadResult run(LoadOptions options) {
  auto plan = build_plan(options);
  EXPECT_TRUE(plan) << plan.error().message;
  std::atomic<bool> stop{false};
  auto result = run_load(*plan, nullptr, stop);
  EXPECT_TRUE(result) << result.error().message;
  return std::move(*result);
}

TEST(LoadEngine, OpenModelKeepsTheRateWithinOnePercent) {
  test::TestServer server;
  LoadOptions options;
  options.url = server.url("/ping");
  options.rate = 2000;
  options.duration_s = 3;
  options.threads = 2;
  const auto result = run(options);
  EXPECT_EQ(result.schedule.intended, 6000);
  EXPECT_EQ(result.schedule.sent, 6000);
  EXPECT_EQ(result.total.requests, 6000);
  EXPECT_EQ(result.total.ok, 6000);
  EXPECT_EQ(server.requests(), 6000);
  EXPECT_NEAR(result.rps(), 2000, 20);
  // Every second of the timeline carries about a second's worth of the rate.
  std::int64_t full_seconds = 0;
  for (const auto& row : result.timeline) {
    if (row.requests > 1500) ++full_seconds;
  }
  EXPECT_GE(full_seconds, 2);
}

TEST(LoadEngine, StallsShowInCorrectedLatencyButNotInServiceTime) {
  // The server answers nothing for 1 s every 10 s (at 5 s and 15 s of a 20 s run). At 500
  // requests/s over 10 connections, the requests intended during a stall wait for its end:
  // 10% of all requests wait uniformly 0..1 s, so the corrected p99 is about 0.9 s, while only
  // the few requests in flight when a stall begins see it in their service time.
  test::TestServerOptions behaviour;
  behaviour.stall_every = std::chrono::seconds(10);
  behaviour.stall_for = std::chrono::seconds(1);
  behaviour.stall_offset = std::chrono::seconds(5);
  test::TestServer server(behaviour);
  LoadOptions options;
  options.url = server.url("/");
  options.rate = 500;
  options.duration_s = 20;
  options.connections = 10;
  options.threads = 1;
  const auto result = run(options);
  EXPECT_EQ(result.total.failed, 0);
  const double corrected_p99 =
      static_cast<double>(result.total.latency.value_at_percentile(99)) / 1e6;
  const double service_p99 =
      static_cast<double>(result.total.service.value_at_percentile(99)) / 1e6;
  EXPECT_NEAR(corrected_p99, 0.9, 0.1);
  EXPECT_LT(service_p99, 0.05);
  EXPECT_GT(result.total.latency.max(), 950'000);
  EXPECT_GT(result.total.service.max(), 900'000);  // the in-flight ones did see it
}

TEST(LoadEngine, SaysSoWhenItFallsBehind) {
  // 1000 requests/s offered over 2 connections to a server that takes 20 ms: at most 100/s can
  // be sent, and the run must say it was behind rather than report flattering numbers.
  test::TestServerOptions slow;
  slow.delay = std::chrono::milliseconds(20);
  test::TestServer server(slow);
  LoadOptions options;
  options.url = server.url("/");
  options.rate = 1000;
  options.connections = 2;
  options.threads = 1;
  options.duration_s = 1;
  const auto result = run(options);
  const auto verdict = report::check_schedule(result);
  EXPECT_TRUE(verdict.behind);
  EXPECT_LT(verdict.send_ratio, 0.2);
  EXPECT_NE(verdict.warning.find("every connection was busy"), std::string::npos)
      << verdict.warning;
  // Latency counts from the intended times: the queue shows in it, not in the service time.
  EXPECT_GT(result.total.latency.value_at_percentile(50), 100'000);
  EXPECT_LT(result.total.service.value_at_percentile(50), 40'000);
}

TEST(LoadEngine, ClosedModelRunsTheUsersWithThinkTime) {
  test::TestServer server;
  LoadOptions options;
  options.url = server.url("/");
  options.concurrency = 4;
  options.think = "100ms";
  options.duration_s = 2;
  options.threads = 2;
  const auto result = run(options);
  // 4 users, each one request per ~100 ms, for 2 s.
  EXPECT_NEAR(static_cast<double>(result.total.requests), 80, 12);
  EXPECT_EQ(result.schedule.max_connections, 4);
  EXPECT_EQ(result.total.failed, 0);
}

TEST(LoadEngine, ClosedModelUsersShareFewerConnections) {
  // 4 users over 2 connections to a server that answers in 10 ms: the connections stay busy,
  // about 2 x 100 answers a second, and no user is lost while others wait for a connection.
  test::TestServerOptions slow;
  slow.delay = std::chrono::milliseconds(10);
  test::TestServer server(slow);
  LoadOptions options;
  options.url = server.url("/");
  options.concurrency = 4;
  options.connections = 2;
  options.duration_s = 1;
  options.threads = 1;
  const auto result = run(options);
  EXPECT_EQ(result.schedule.max_connections, 2);
  EXPECT_LT(result.duration_s, 2.0);  // every user was accounted for, so the run ended on time
  EXPECT_GT(result.total.requests, 160);
  EXPECT_LE(result.total.requests, 202);
  // Waiting for a connection counts in the latency: about twice the service time.
  EXPECT_GT(result.total.latency.value_at_percentile(50), 15'000);
  EXPECT_LT(result.total.service.value_at_percentile(50), 15'000);
}

TEST(LoadEngine, ClosedModelRampsUsersByStage) {
  test::TestServer server;
  LoadOptions options;
  options.url = server.url("/");
  options.stages = "1s:6";
  options.think = "50ms";
  options.threads = 1;
  const auto result = run(options);
  // Users grow from 0 to 6 over the second: about half the requests of 6 users throughout.
  EXPECT_GT(result.total.requests, 25);
  EXPECT_LT(result.total.requests, 90);
  EXPECT_LE(result.schedule.max_connections, 6);
}

TEST(LoadEngine, FailuresAreCountedByKind) {
  test::TestServerOptions broken;
  broken.status = 503;
  test::TestServer failing(broken);
  LoadOptions options;
  options.url = failing.url("/");
  options.rate = 200;
  options.duration_s = 0.5;
  const auto statuses = run(options);
  EXPECT_EQ(statuses.total.failed, 100);
  EXPECT_EQ(statuses.total.failed_by_status.at(503), 100);
  EXPECT_EQ(statuses.total.by_kind.at(report::kErrorCheck), 100);

  test::TestServerOptions silent;
  silent.never_answer = true;
  test::TestServer hanging(silent);
  options.url = hanging.url("/");
  options.rate = 20;
  options.timeout_s = 0.2;
  options.connections = 20;  // enough that every request is sent while others hang
  const auto timeouts = run(options);
  EXPECT_EQ(timeouts.total.by_kind.at(report::kErrorTimeout), 10);

  options.url = "http://127.0.0.1:1/";  // nothing listens on port 1
  const auto refused = run(options);
  EXPECT_EQ(refused.total.ok, 0);
  EXPECT_EQ(refused.total.by_kind.at(report::kErrorConnect), refused.total.requests);
  EXPECT_GT(refused.total.requests, 0);
}

TEST(LoadEngine, BodyChecksAndExpectedStatuses) {
  test::TestServer server;
  LoadOptions options;
  options.url = server.url("/");
  options.rate = 100;
  options.duration_s = 0.3;
  options.expect_body = "nope";
  EXPECT_EQ(run(options).total.by_kind.at(report::kErrorCheck), 30);
  options.expect_body = "\"ok\":true";
  EXPECT_EQ(run(options).total.ok, 30);
  options.expect_status = {201};
  EXPECT_EQ(run(options).total.failed_by_status.at(200), 30);
}

TEST(LoadEngine, ScenarioWeightsTemplatesAndHeaders) {
  test::TestServer server;
  test::TempDir dir;
  dir.write("rows.csv", "id,amount\n1,10\n2,20\n3,30\n");
  const auto scenario = dir.write("scenario.yaml", R"(
base_url: )" + server.url() + R"(
rate: 400
duration: 1s
headers: {X-Team: ml}
endpoints:
  - name: heavy
    weight: 3
    path: /heavy
  - name: light
    weight: 1
    method: POST
    path: /light
    headers: {X-Team: override}
    body: '{"id": {{id}}, "amount": {{amount}}}'
    data: {file: rows.csv, order: sequential}
)");
  LoadOptions options;
  options.scenario_file = scenario;
  options.seed = 3;
  const auto result = run(options);
  ASSERT_EQ(result.endpoints.size(), 2U);
  const auto paths = server.paths();
  EXPECT_EQ(paths.at("/heavy") + paths.at("/light"), 400);
  EXPECT_NEAR(static_cast<double>(paths.at("/heavy")) / 400, 0.75, 0.07);
  std::int64_t light_bodies = 0;
  for (const auto& body : server.bodies()) {
    if (body.empty()) continue;
    ++light_bodies;
    EXPECT_TRUE(body == R"({"id": 1, "amount": 10})" || body == R"({"id": 2, "amount": 20})" ||
                body == R"({"id": 3, "amount": 30})")
        << body;
  }
  EXPECT_EQ(light_bodies, paths.at("/light"));
  const auto teams = server.header_values("X-Team");
  EXPECT_EQ(std::count(teams.begin(), teams.end(), "override"), paths.at("/light"));
  EXPECT_EQ(std::count(teams.begin(), teams.end(), "ml"), paths.at("/heavy"));
  // What a cache could answer: "light" sent 3 distinct bodies; "heavy" sends none.
  EXPECT_EQ(result.endpoints[1].distinct_inputs, 3);
  EXPECT_TRUE(result.endpoints[1].distinct_exact);
  EXPECT_EQ(result.endpoints[0].distinct_inputs, -1);
  EXPECT_GE(result.schedule.connections_opened, result.schedule.max_connections);
  EXPECT_GT(result.schedule.connections_opened, 0);
  // The machine's CPUs, and the CPU time its hypervisor kept meanwhile (0 on a machine of its own).
  EXPECT_EQ(result.schedule.cpu.machine_cpus,
            static_cast<int>(std::thread::hardware_concurrency()));
  EXPECT_GE(result.schedule.cpu.machine_steal_s, 0);
  EXPECT_GT(result.schedule.cpu.threads, 0);
  // Each second is kept by endpoint too, and the endpoints' seconds add up to the run's.
  for (const char* name : {"heavy", "light"}) {
    std::int64_t requests = 0;
    std::int64_t latencies = 0;
    for (const auto& second : report::seconds_of(result, name)) {
      requests += second.requests;
      for (const auto& [index, count] : second.latency.counts) latencies += count;
    }
    EXPECT_EQ(requests, result.endpoints[name == std::string("heavy") ? 0 : 1].stats.requests);
    EXPECT_EQ(latencies, requests) << name;
  }
  std::string json;
  report::write_result_json(result, json);
  const auto back = report::parse_result_json(json, "r.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(report::seconds_of(*back, "light").size(), result.timeline.size());
  EXPECT_EQ(back->timeline.front().endpoints.size(), result.timeline.front().endpoints.size());
  EXPECT_EQ(back->endpoints[1].distinct_inputs, 3);
  EXPECT_EQ(back->endpoints[0].distinct_inputs, -1);
  EXPECT_EQ(back->schedule.connections_opened, result.schedule.connections_opened);
  EXPECT_EQ(back->schedule.cpu.machine_cpus, result.schedule.cpu.machine_cpus);
  EXPECT_DOUBLE_EQ(back->schedule.cpu.machine_steal_s, result.schedule.cpu.machine_steal_s);
  EXPECT_DOUBLE_EQ(back->schedule.cpu.used_s, result.schedule.cpu.used_s);
}

TEST(LoadEngine, BearerAndJwtAuth) {
  test::TestServer server;
  LoadOptions options;
  options.url = server.url("/");
  options.rate = 50;
  options.duration_s = 0.2;
  options.bearer = "abc";
  run(options);
  for (const auto& value : server.header_values("Authorization")) EXPECT_EQ(value, "Bearer abc");
  test::TestServer jwt_server;
  options.url = jwt_server.url("/");
  options.bearer.clear();
  options.jwt_secret = "secret";
  options.jwt_claims = R"({"sub":"svc"})";
  run(options);
  const auto tokens = jwt_server.header_values("Authorization");
  ASSERT_FALSE(tokens.empty());
  for (const auto& value : tokens) {
    EXPECT_EQ(value.rfind("Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.", 0), 0U) << value;
  }
}

TEST(LoadEngine, Https) {
  test::TlsServer server;
  LoadOptions options;
  options.url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  options.rate = 100;
  options.duration_s = 0.5;
  options.insecure = true;
  const auto insecure = run(options);
  EXPECT_EQ(insecure.total.ok, 50);
  EXPECT_EQ(server.requests(), 50);
  // Verified against the test's own CA file, and refused without it.
  options.insecure = false;
  ::setenv("SSL_CERT_FILE", test::TlsServer::certificate_path().c_str(), 1);
  EXPECT_EQ(run(options).total.ok, 50);
  ::setenv("SSL_CERT_FILE", "/nonexistent.pem", 1);
  const auto refused = run(options);
  EXPECT_EQ(refused.total.ok, 0);
  EXPECT_GT(refused.total.by_kind.at(report::kErrorConnect), 0);
  ::unsetenv("SSL_CERT_FILE");
}

TEST(LoadEngine, ShardsSplitTheScheduleAndMergeBack) {
  test::TestServer server;
  LoadOptions options;
  options.url = server.url("/");
  options.rate = 1000;
  options.duration_s = 1;
  options.shard = "0/2";
  const auto first = run(options);
  options.shard = "1/2";
  const auto second = run(options);
  EXPECT_EQ(first.total.requests, 500);
  EXPECT_EQ(second.total.requests, 500);
  EXPECT_DOUBLE_EQ(first.schedule.target_rps, 500);
  auto merged = report::merge_results({first, second});
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->total.requests, 1000);
  EXPECT_EQ(merged->schedule.intended, 1000);
  EXPECT_DOUBLE_EQ(merged->schedule.target_rps, 1000);
}

TEST(LoadEngine, StopEndsTheRunEarly) {
  test::TestServer server;
  auto plan = build_plan([&] {
    LoadOptions options;
    options.url = server.url("/");
    options.rate = 100;
    options.duration_s = 60;
    return options;
  }());
  ASSERT_TRUE(plan);
  std::atomic<bool> stop{true};  // already asked to stop: ends at the first check
  auto result = run_load(*plan, nullptr, stop);
  ASSERT_TRUE(result);
  EXPECT_LT(result->duration_s, 5);
}

}  // namespace
}  // namespace hone::load
