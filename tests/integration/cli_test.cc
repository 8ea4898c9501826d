// The hone binary's contract: help, exit codes and one-line reasons for bad input.
#include <gtest/gtest.h>

#include "http/client.h"
#include "support/process.h"
#include "support/temp_dir.h"

namespace hone {
namespace {

using test::run_process;

const std::string kHone = HONE_BINARY;
const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";

int lines(const std::string& text) {
  int count = 0;
  for (const char c : text) count += c == '\n' ? 1 : 0;
  return count;
}

TEST(Cli, HelpListsTheCommands) {
  const auto result = run_process({kHone, "--help"});
  EXPECT_EQ(result.exit_code, 0);
  for (const char* command : {"serve", "model", "demo"}) {
    EXPECT_NE(result.out.find(command), std::string::npos) << command;
  }
  const auto serve = run_process({kHone, "serve", "--help"});
  EXPECT_EQ(serve.exit_code, 0);
  for (const char* flag : {"--models", "--model", "--backend", "--config", "--host", "--port",
                           "--threads", "--max-body", "--drain-timeout", "--admin-token",
                           "--no-metrics", "--alert", "--alert-webhook", "--history"}) {
    EXPECT_NE(serve.out.find(flag), std::string::npos) << flag;
  }
  EXPECT_EQ(run_process({kHone, "--version"}).exit_code, 0);
}

struct BadUsage {
  std::vector<std::string> args;
  int exit_code;
  std::string reason;
};

// Names the case by what it expects, for readable test names.
void PrintTo(const BadUsage& value, std::ostream* out) { *out << value.reason; }

class CliBadUsage : public ::testing::TestWithParam<BadUsage> {};

TEST_P(CliBadUsage, ExitsNonZeroWithOneLine) {
  std::vector<std::string> args = {kHone};
  for (const auto& arg : GetParam().args) args.push_back(arg);
  const auto result = run_process(args);
  EXPECT_EQ(result.exit_code, GetParam().exit_code) << result.err;
  EXPECT_EQ(lines(result.err), 1) << result.err;
  EXPECT_EQ(result.err.rfind("hone: ", 0), 0U) << result.err;
  EXPECT_NE(result.err.find(GetParam().reason), std::string::npos) << result.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CliBadUsage,
    ::testing::Values(
        BadUsage{{}, 2, "subcommand"}, BadUsage{{"frobnicate"}, 2, "unknown command 'frobnicate'"},
        BadUsage{{"serve", "--bogus"}, 2, "--bogus"},
        BadUsage{{"serve", "--port", "99999"}, 2, "--port"},
        BadUsage{{"serve", "--port", "eighty"}, 2, "--port"},
        BadUsage{{"serve", "--max-body", "lots"}, 2, "invalid size 'lots'"},
        BadUsage{{"serve", "--drain-timeout", "5 fortnights"}, 2, "unit must be one of"},
        BadUsage{{"serve"}, 2, "nothing to serve"},
        BadUsage{{"serve", "--config", "/no/such/file.yaml"}, 2, "/no/such/file.yaml"},
        BadUsage{{"serve", "--models", "/no/such/dir"}, 1, "/no/such/dir"},
        BadUsage{{"serve", "--model", "/no/such/model.json"}, 1, "/no/such/model.json"},
        BadUsage{{"serve", "--models", kExamples, "--log-level", "loud"}, 2, "unknown log level"},
        BadUsage{{"serve", "--models", kExamples, "--redis", "localhost:6379"},
                 2,
                 "must start with redis://"},
        BadUsage{{"serve", "--models", kExamples, "--max-batch-size", "0"}, 2, "--max-batch-size"},
        BadUsage{{"serve", "--models", kExamples, "--alert", "p99 > 100"}, 2, "unknown metric"},
        BadUsage{{"serve", "--models", kExamples, "--alert", "p99_ms > 100 for ever"},
                 2,
                 "alert 'p99_ms > 100 for ever'"},
        BadUsage{{"serve", "--models", kExamples, "--alert-webhook", "ftp://x"}, 2, "http:// URL"},
        BadUsage{{"serve", "--models", kExamples, "--history", "long"}, 2, "--history"},
        BadUsage{{"serve", "--models", kExamples, "--history", "5s"},
                 2,
                 "--history must be at least 10s"},
        BadUsage{{"model"}, 2, "subcommand"}, BadUsage{{"model", "demo"}, 2, "--out"},
        BadUsage{{"model", "inspect", "/no/such.json"}, 2, "/no/such.json"}));

TEST(Cli, BadModelConfigStopsStartupNamingTheFile) {
  test::TempDir dir;
  const auto config = dir.write("broken/config.yaml", "backend: xgboost\ninptus: []\n");
  const auto result = run_process({kHone, "serve", "--models", dir.path().string(), "--port", "0"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(config + ":2:1"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("unknown key 'inptus'"), std::string::npos) << result.err;
}

TEST(Cli, BadServeConfigFileNamesTheLine) {
  test::TempDir dir;
  const auto file = dir.write("hone.yaml", "models: x\nport: high\n");
  const auto result = run_process({kHone, "serve", "--config", file});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find(file + ":2:7"), std::string::npos) << result.err;
}

TEST(Cli, PortInUseIsAClearError) {
  test::ChildProcess first(
      {kHone, "serve", "--models", kExamples, "--port", "0", "--threads", "1"});
  const std::string port = std::to_string(test::listening_port(first.read_line()));
  ASSERT_NE(port, "0");
  const auto second = run_process({kHone, "serve", "--models", kExamples, "--port", port});
  EXPECT_EQ(second.exit_code, 1);
  EXPECT_NE(second.err.find("cannot listen on 127.0.0.1:" + port), std::string::npos) << second.err;
}

TEST(Cli, ListenAddressMayBeAName) {
  test::ChildProcess server(
      {kHone, "serve", "--models", kExamples, "--host", "localhost", "--port", "0"});
  const std::string line = server.read_line();
  ASSERT_NE(line.find("listening on http://localhost:"), std::string::npos) << line;
  auto client = http::Client::connect("127.0.0.1", test::listening_port(line));
  ASSERT_TRUE(client) << client.error().message;
  EXPECT_EQ(client->get("/v2/health/live").value().status, 200);
  const auto unknown =
      run_process({kHone, "serve", "--models", kExamples, "--host", "no-such-host.invalid"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("cannot resolve listen address 'no-such-host.invalid'"),
            std::string::npos)
      << unknown.err;
  EXPECT_EQ(test::listening_port("hone serve: listening on http://[::1]:8123 (models: m)"), 8123);
}

TEST(Cli, ModelFlagsTurnCacheAndBatchingOn) {
  test::ChildProcess server({kHone, "serve", "--model",
                             "c=" + kExamples + "/ceramic-armor/model.json", "--backend", "trees",
                             "--cache", "--max-batch-size", "16", "--max-queue-delay", "1ms",
                             "--port", "0", "--threads", "1"});
  const auto port = test::listening_port(server.read_line());
  ASSERT_NE(port, 0);
  auto client = http::Client::connect("127.0.0.1", port).value();
  const std::string body = R"({"instances":[[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]]})";
  EXPECT_EQ(client.post("/v1/models/c:predict", body).value().header("X-Cache"), "MISS");
  EXPECT_EQ(client.post("/v1/models/c:predict", body).value().header("X-Cache"), "HIT");
  test::ChildProcess plain({kHone, "serve", "--model", kExamples + "/ceramic-armor/model.json",
                            "--port", "0", "--threads", "1"});
  const auto plain_port = test::listening_port(plain.read_line());
  auto plain_client = http::Client::connect("127.0.0.1", plain_port).value();
  EXPECT_EQ(plain_client.post("/v1/models/ceramic-armor:predict", body).value().header("X-Cache"),
            "");
}

TEST(Cli, ObservabilityFlagsReachTheServer) {
  test::ChildProcess server({kHone, "serve", "--models", kExamples, "--admin-token", "s3cret",
                             "--alert", "rps >= 0", "--history", "2m", "--port", "0", "--threads",
                             "1"});
  const auto port = test::listening_port(server.read_line());
  ASSERT_NE(port, 0);
  auto client = http::Client::connect("127.0.0.1", port).value();
  EXPECT_EQ(client.request("DELETE", "/api/cache", "").value().status, 401);
  EXPECT_EQ(client.request("DELETE", "/api/cache", "", {{"Authorization", "Bearer s3cret"}})
                .value()
                .status,
            200);
  const auto alerts = client.get("/api/alerts").value();
  EXPECT_NE(alerts.body.find(R"("name":"rps >= 0")"), std::string::npos) << alerts.body;
  EXPECT_EQ(client.get("/metrics").value().status, 200);

  test::ChildProcess quiet(
      {kHone, "serve", "--models", kExamples, "--no-metrics", "--port", "0", "--threads", "1"});
  const auto quiet_port = test::listening_port(quiet.read_line());
  ASSERT_NE(quiet_port, 0);
  auto quiet_client = http::Client::connect("127.0.0.1", quiet_port).value();
  EXPECT_EQ(quiet_client.get("/metrics").value().status, 404);
  EXPECT_EQ(quiet_client.get("/v2/health/ready").value().status, 200);
}

TEST(Cli, ModelInspectDescribesTheArtifact) {
  const auto result =
      run_process({kHone, "model", "inspect", kExamples + "/fraud-detector/model.json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("objective: binary:logistic"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("features: 30"), std::string::npos);
  EXPECT_NE(result.out.find("feature_names: [amount_usd"), std::string::npos);
  // Without --backend: auto, which says what it chose and why.
  EXPECT_NE(result.out.find("# backend: trees,"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("# backend auto chose trees: the native engine supports this model"),
            std::string::npos)
      << result.out;
  const auto named = run_process({kHone, "model", "inspect", "--backend", "xgboost",
                                  kExamples + "/fraud-detector/model.json"});
  EXPECT_NE(named.out.find("# backend: xgboost,"), std::string::npos) << named.out;
  EXPECT_EQ(named.out.find("auto chose"), std::string::npos);
}

TEST(Cli, ModelDemoWritesAServableRepository) {
  test::TempDir dir;
  const auto made = run_process({kHone, "model", "demo", "--out", dir.path().string()});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  test::TempDir out;
  const auto demo = run_process(
      {kHone, "demo", "--models", dir.path().string(), "--quick", "--out", out.path().string()});
  EXPECT_EQ(demo.exit_code, 0) << demo.out << demo.err;
  // The whole story, step by step: the naive server answers, the analysis finds the repeated
  // inputs and the batching delay paid for nothing, the fix is applied, and it is proved.
  EXPECT_NE(demo.out.find("/v1/models/fraud-detector:predict    200"), std::string::npos)
      << demo.out;
  EXPECT_NE(demo.out.find("[high] cache_ineffective"), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("queueing: "), std::string::npos) << demo.out;
  EXPECT_NE(demo.out.find("Applying the recommendations to each model's config.yaml: "),
            std::string::npos);
  EXPECT_NE(demo.out.find("cache: {enabled: true}"), std::string::npos);
  const auto p50 = demo.out.find("\n     p50 ");
  ASSERT_NE(p50, std::string::npos) << demo.out;
  EXPECT_NE(demo.out.substr(p50, demo.out.find('\n', p50 + 1) - p50).find("better"),
            std::string::npos)
      << demo.out;
  for (const char* file : {"naive.json", "improved.json", "report.html"}) {
    EXPECT_TRUE(std::filesystem::exists(out.path() / file)) << file;
  }
  EXPECT_NE(demo.out.find((out.path() / "report.html").string()), std::string::npos);
}

}  // namespace
}  // namespace hone
