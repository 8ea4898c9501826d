// hone serve's protection flags and config keys reach the running server: the bounds on
// predictions in flight and on connections, the admin token's sources, the host guard and the
// dashboard's headers, API keys and JWTs. Each test starts the real binary (see
// serve_flags_test.cc).
#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "support/jwt_signer.h"
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
    // A browser's cross-origin "simple" POST: refused as cross-origin.
    EXPECT_EQ(client
                  .request("POST", v1, kRow,
                           {{"Origin", "https://evil.example"}, {"Content-Type", "text/plain"}})
                  .value()
                  .status,
              403);
    // With a key, from a page of another origin: refused all the same.
    EXPECT_EQ(client
                  .request("POST", v1, kRow,
                           {{"Origin", "https://evil.example"}, {"X-API-Key", "team-a"}})
                  .value()
                  .status,
              403);
    EXPECT_EQ(client.get("/v2/health/ready").value().status, 200);
    EXPECT_EQ(client.get("/v2/models/ceramic-armor").value().status, 200);
    // Refusals are counted under their own status.
    const std::string metrics = client.get("/metrics").value().body;
    for (const char* status : {"401", "403", "429"}) {
      EXPECT_NE(metrics.find(std::string("status=\"") + status + "\"} "), std::string::npos)
          << status;
    }
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

// JWT bearer tokens: --jwt-key (a PEM public key), --jwt-jwks, --jwt-secret-file, with
// --jwt-audience and --jwt-issuer; the config's auth.jwt with its leeway and models claim; a
// model's own `auth: none` or `auth: required`.
TEST(ServeFlags, JwtGuardsPredictions) {
  test::TempDir dir;
  const std::string v1 = "/v1/models/ceramic-armor:predict";
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  const auto claims = [&](std::int64_t expires_in, const std::string& extra) {
    return R"({"sub":"u1","exp":)" + std::to_string(now + expires_in) + extra + "}";
  };
  const auto status = [&](const Served& served, const std::string& token, const std::string& path) {
    return served.client()
        .request("POST", path, kRow, {{"Authorization", "Bearer " + token}})
        .value()
        .status;
  };
  const std::string trusted = R"(,"iss":"https://id.example","aud":["hone","other"])";
  const auto ec = test::JwtSigner::es256();
  Served keyed({"--jwt-key", dir.write("ec.pem", ec.public_pem()), "--jwt-audience", "hone",
                "--jwt-issuer", "https://id.example"});
  ASSERT_NE(keyed.port, 0);
  EXPECT_EQ(status(keyed, ec.sign(claims(600, trusted)), v1), 200);
  const auto refused =
      keyed.client()
          .request("POST", v1, kRow, {{"Authorization", "Bearer " + ec.sign(claims(600, ""))}})
          .value();
  EXPECT_EQ(refused.status, 401);  // no iss, no aud
  EXPECT_EQ(refused.header("WWW-Authenticate"), R"(Bearer realm="hone", error="invalid_token")");
  EXPECT_EQ(status(keyed, ec.sign(claims(600, R"(,"iss":"https://id.example","aud":"x")")), v1),
            401);
  EXPECT_EQ(status(keyed, ec.sign(claims(600, R"(,"iss":"https://x","aud":"hone")")), v1), 401);
  EXPECT_EQ(status(keyed, ec.sign(claims(-3600, trusted)), v1), 401);  // expired
  EXPECT_EQ(keyed.client().post(v1, kRow).value().status, 401);

  const auto rsa = test::JwtSigner::rs256();
  Served jwks({"--jwt-jwks", dir.write("jwks.json", R"({"keys":[)" + rsa.jwk("k1") + "]}")});
  EXPECT_EQ(status(jwks, rsa.sign(claims(600, ""), "k1"), v1), 200);
  EXPECT_EQ(status(jwks, rsa.sign(claims(600, ""), "k2"), v1), 401);

  const std::string secret = "an-hs256-secret-of-at-least-32-bytes";
  const auto hs = test::JwtSigner::hs256(secret);
  Served shared({"--jwt-secret-file", dir.write("secret", secret)});
  EXPECT_EQ(status(shared, hs.sign(claims(600, "")), v1), 200);
  EXPECT_EQ(status(shared, test::JwtSigner::hs256(secret + "x").sign(claims(600, "")), v1), 401);

  // The config file: a models claim, a leeway, and a model of its own that is open to all.
  const auto models = dir.path().string() + "/models";
  std::filesystem::create_directories(models);
  std::filesystem::copy(kExamples + "/fraud-detector", models + "/fraud-detector",
                        std::filesystem::copy_options::recursive);
  std::filesystem::copy(kExamples + "/ceramic-armor", models + "/ceramic-armor",
                        std::filesystem::copy_options::recursive);
  {
    std::ofstream open(models + "/ceramic-armor/config.yaml", std::ios::app);
    open << "auth: none\n";
  }
  const auto config =
      dir.write("hone.yaml", "models: " + models + "\nauth: {jwt: {jwks: " + dir.path().string() +
                                 "/jwks.json, models_claim: models, leeway: 300s}}\n");
  Served configured({"--config", config});
  ASSERT_NE(configured.port, 0);
  const std::string fraud = "/v1/models/fraud-detector:predict";
  const std::string row = R"({"instances":[{"amount_usd":950,"online":1}]})";
  const auto fraud_status = [&](const std::string& token) {
    return configured.client()
        .request("POST", fraud, row, {{"Authorization", "Bearer " + token}})
        .value()
        .status;
  };
  EXPECT_EQ(fraud_status(rsa.sign(claims(600, R"(,"models":["fraud-detector"])"), "k1")), 200);
  EXPECT_EQ(fraud_status(rsa.sign(claims(600, R"(,"models":["other"])"), "k1")), 403);
  // Expired 100 s ago: within the configured leeway of 300 s (the default, 60 s, refuses it).
  EXPECT_EQ(fraud_status(rsa.sign(claims(-100, R"(,"models":"fraud-detector")"), "k1")), 200);
  EXPECT_EQ(status(jwks, rsa.sign(claims(-100, ""), "k1"), v1), 401);
  // ceramic-armor's config says auth: none.
  EXPECT_EQ(configured.client().post(v1, kRow).value().status, 200);
  EXPECT_EQ(configured.client().post(fraud, row).value().status, 401);

  // auth: required without credentials, and JWT mistakes, stop start-up with the reason.
  {
    std::ofstream required(models + "/fraud-detector/config.yaml", std::ios::app);
    required << "auth: required\n";
  }
  const auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> all = {kHone, "serve", "--port", "0"};
    all.insert(all.end(), args.begin(), args.end());
    return test::run_process(all, std::chrono::seconds(20));
  };
  const auto unguarded = run({"--models", models});
  EXPECT_NE(unguarded.exit_code, 0);
  EXPECT_NE(unguarded.err.find("'fraud-detector' has auth: required"), std::string::npos)
      << unguarded.err;
  for (const auto& [args, expected] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"--models", kExamples, "--jwt-audience", "hone"}, "need --jwt-secret-file"},
           {{"--models", kExamples, "--jwt-key", dir.write("bad.pem", "x")}, "not a PEM"},
           {{"--models", kExamples, "--jwt-secret-file", dir.write("short", "short")},
            "at least 32 bytes"}}) {
    const auto result = run(args);
    EXPECT_EQ(result.exit_code, 2) << args.back();
    EXPECT_NE(result.err.find(expected), std::string::npos) << result.err;
  }
}

}  // namespace
}  // namespace hone
