// hone serve's protection flags and config keys reach the running server: the bounds on
// predictions in flight and on connections, the admin token's sources, the host guard and the
// dashboard's headers, and API keys. Each test starts the real binary (see serve_flags_test.cc).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "support/process.h"
#include "support/raw_client.h"
#include "support/served.h"
#include "support/temp_dir.h"

namespace hone {
namespace {

using test::json_int;
using test::kExamples;
using test::kHone;
using test::kRow;
using test::Served;

TEST(ServeFlags, MaxInFlight) {
  Served served({"--max-in-flight", "3"});
  ASSERT_NE(served.port, 0);
  EXPECT_NE(served.get("/metrics").find("hone_server_in_flight_limit 3\n"), std::string::npos);
  EXPECT_EQ(json_int(served.get("/api/performance"), "/in_flight/bound"), 3);
  Served unbounded({"--max-in-flight", "0"});
  EXPECT_EQ(json_int(unbounded.get("/api/performance"), "/in_flight/bound"), 0);
  Served plain({});
  EXPECT_EQ(json_int(plain.get("/api/performance"), "/in_flight/bound"), 4096);
}

TEST(ServeFlags, MaxConnections) {
  Served served({"--max-connections", "1"});
  ASSERT_NE(served.port, 0);
  EXPECT_NE(served.get("/metrics").find("hone_connections_limit 1\n"), std::string::npos);
  {
    auto first = std::make_unique<test::RawClient>(served.port);
    first->send(test::get_request("/v2/health/live"));
    ASSERT_EQ(first->read_response().status, 200);
    test::RawClient second(served.port, std::chrono::milliseconds(300));
    second.send(test::get_request("/v2/health/live"));
    EXPECT_EQ(second.read_response().status, 0);  // waits to be accepted
    first.reset();
    int status = 0;
    for (int i = 0; i < 30 && status == 0; ++i) status = second.read_response().status;
    EXPECT_EQ(status, 200);
  }
  served.process.signal(SIGTERM);
  EXPECT_EQ(served.process.wait(), 0);
  EXPECT_NE(served.process.stderr_text().find("new connections wait"), std::string::npos);
}

// The admin token from a file or the environment (never on the command line, where /proc shows
// it), compared whole; the Bearer scheme in any case.
TEST(ServeFlags, AdminTokenFromAFileOrTheEnvironment) {
  test::TempDir dir;
  const auto file = dir.write("token", "  from-file \nignored second line\n");
  const auto clear = [](const Served& served, const std::string& authorization) {
    return served.client()
        .request("DELETE", "/api/cache", "", {{"Authorization", authorization}})
        .value()
        .status;
  };
  {
    Served served({"--admin-token-file", file});
    ASSERT_NE(served.port, 0);
    EXPECT_EQ(clear(served, "bearer from-file"), 200);
    EXPECT_EQ(clear(served, "Bearer from-fil"), 401);
    EXPECT_EQ(clear(served, "Bearer from-file2"), 401);
    EXPECT_EQ(clear(served, "Basic from-file"), 401);
  }
  ::setenv("HONE_ADMIN_TOKEN", "from-env", 1);
  {
    Served served({});
    EXPECT_EQ(clear(served, "BEARER from-env"), 200);
    // The command line wins over the environment.
    Served flagged({"--admin-token-file", file});
    EXPECT_EQ(clear(flagged, "Bearer from-env"), 401);
    EXPECT_EQ(clear(flagged, "Bearer from-file"), 200);
  }
  ::unsetenv("HONE_ADMIN_TOKEN");
  // The config file's admin_token_file.
  const auto config =
      dir.write("hone.yaml", "models: " + kExamples + "\nadmin_token_file: " + file + "\n");
  {
    Served served({"--config", config});
    EXPECT_EQ(clear(served, "Bearer from-file"), 200);
  }
  // A token on the command line works, with a warning that local users can read it.
  Served visible({"--admin-token", "t0k"});
  EXPECT_EQ(clear(visible, "Bearer t0k"), 200);
  visible.process.signal(SIGTERM);
  EXPECT_EQ(visible.process.wait(), 0);
  EXPECT_NE(visible.process.stderr_text().find("can be read by other local users"),
            std::string::npos);
  // A file that is missing or empty stops start-up with the reason.
  const auto empty = dir.write("empty", "\n");
  for (const std::string& bad : {empty, dir.file("missing")}) {
    const auto run = test::run_process(
        {kHone, "serve", "--models", kExamples, "--port", "0", "--admin-token-file", bad},
        std::chrono::seconds(20));
    EXPECT_EQ(run.exit_code, 2) << bad;
    EXPECT_NE(run.err.find("admin token file " + bad), std::string::npos) << run.err;
  }
}

// On loopback, /api, /metrics and /dashboard answer IP addresses, localhost and --allowed-host
// names only (DNS rebinding); the dashboard says what it may load and that it is not framed.
TEST(ServeFlags, AllowedHostAndTheDashboardsHeaders) {
  Served served({"--allowed-host", "my.box"});
  ASSERT_NE(served.port, 0);
  const auto with_host = [&](const std::string& path, const std::string& host) {
    test::RawClient raw(served.port);
    raw.send("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    return raw.read_response();
  };
  EXPECT_EQ(with_host("/metrics", "my.box:8000").status, 200);
  EXPECT_EQ(with_host("/metrics", "127.0.0.1:8000").status, 200);
  const auto refused = with_host("/api/performance", "rebound.example:8000");
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("--allowed-host"), std::string::npos) << refused.body;
  EXPECT_EQ(with_host("/dashboard", "rebound.example").status, 403);
  EXPECT_EQ(with_host("/v2/health/ready", "rebound.example").status, 200);
  const auto page = with_host("/dashboard", "localhost");
  EXPECT_EQ(page.status, 200);
  EXPECT_NE(page.header("Content-Security-Policy").find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_NE(page.header("Content-Security-Policy").find("script-src 'self'"), std::string::npos);
  EXPECT_EQ(page.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(page.header("X-Frame-Options"), "DENY");
  // Without the flag, the name is refused too; the config file's allowed_hosts lets it in.
  Served plain({});
  test::RawClient raw(plain.port);
  raw.send("GET /metrics HTTP/1.1\r\nHost: my.box\r\n\r\n");
  EXPECT_EQ(raw.read_response().status, 403);
  test::TempDir dir;
  const auto config =
      dir.write("hone.yaml", "models: " + kExamples + "\nallowed_hosts: [my.box]\n");
  Served configured({"--config", config});
  test::RawClient allowed(configured.port);
  allowed.send("GET /metrics HTTP/1.1\r\nHost: my.box\r\n\r\n");
  EXPECT_EQ(allowed.read_response().status, 200);
}

// --api-keys: predictions need a key (401 with WWW-Authenticate without one), a key limited to
// some models gets 403 for others, each key has its rate (429 with Retry-After); health and
// metadata stay open; the config file's auth section does the same.
TEST(ServeFlags, ApiKeysGuardPredictions) {
  test::TempDir dir;
  const auto keys = dir.write("keys", "team-a\nteam-b models=fraud-detector rate=1/m\n");
  const std::string v1 = "/v1/models/ceramic-armor:predict";
  const auto run = [&](Served& served) {
    auto client = served.client();
    const auto none = client.post(v1, kRow).value();
    EXPECT_EQ(none.status, 401);
    EXPECT_EQ(none.header("WWW-Authenticate"), R"(Bearer realm="hone")");
    EXPECT_EQ(client.request("POST", v1, kRow, {{"Authorization", "Bearer team-a"}}).value().status,
              200);
    EXPECT_EQ(client.request("POST", v1, kRow, {{"X-API-Key", "team-a"}}).value().status, 200);
    EXPECT_EQ(client.request("POST", v1, kRow, {{"X-API-Key", "team-c"}}).value().status, 401);
    EXPECT_EQ(client.request("POST", v1, kRow, {{"X-API-Key", "team-b"}}).value().status, 403);
    const std::string fraud = "/v1/models/fraud-detector:predict";
    const std::string row = R"({"instances":[{"amount_usd":950,"online":1}]})";
    EXPECT_EQ(client.request("POST", fraud, row, {{"X-API-Key", "team-b"}}).value().status, 200);
    const auto limited = client.request("POST", fraud, row, {{"X-API-Key", "team-b"}}).value();
    EXPECT_EQ(limited.status, 429);
    EXPECT_GE(std::stoi(std::string(limited.header("Retry-After"))), 1);
    // A browser's cross-origin "simple" POST carries no key: refused.
    EXPECT_EQ(client
                  .request("POST", v1, kRow,
                           {{"Origin", "https://evil.example"}, {"Content-Type", "text/plain"}})
                  .value()
                  .status,
              401);
    EXPECT_EQ(client.get("/v2/health/ready").value().status, 200);
    EXPECT_EQ(client.get("/v2/models/ceramic-armor").value().status, 200);
  };
  Served flagged({"--api-keys", keys});
  ASSERT_NE(flagged.port, 0);
  run(flagged);
  const auto config = dir.write(
      "hone.yaml", "models: " + kExamples + "\nauth: {api_keys: " + keys + ", rate: 1000/s}\n");
  Served configured({"--config", config});
  ASSERT_NE(configured.port, 0);
  run(configured);
  // --api-key-rate is the rate of keys whose line sets none.
  Served rated({"--api-keys", keys, "--api-key-rate", "1/m"});
  auto rated_client = rated.client();
  EXPECT_EQ(rated_client.request("POST", v1, kRow, {{"X-API-Key", "team-a"}}).value().status, 200);
  EXPECT_EQ(rated_client.request("POST", v1, kRow, {{"X-API-Key", "team-a"}}).value().status, 429);
  // Mistakes stop start-up with the reason.
  const auto bad = dir.write("bad", "team-a colour=red\n");
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"--api-keys", bad},
                                             {"--api-keys", keys, "--api-key-rate", "fast"},
                                             {"--api-key-rate", "5/s"}}) {
    std::vector<std::string> all = {kHone, "serve", "--models", kExamples, "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    const auto result = test::run_process(all, std::chrono::seconds(20));
    EXPECT_EQ(result.exit_code, 2) << args.back();
    EXPECT_EQ(result.err.find("team-a"), std::string::npos) << result.err;  // never a key
  }
}

}  // namespace
}  // namespace hone
