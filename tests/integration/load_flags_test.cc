// Every documented hone load flag reaches the run: each test runs the real binary with one flag
// against a recording server and checks what the server saw or what the result says, so a flag
// that is parsed and then ignored fails here. (The engine's behaviour behind each setting is
// tested in load_engine_test.cc.)
#include <gtest/gtest.h>
#include <simdjson.h>

#include <set>
#include <string>
#include <vector>

#include "core/base64.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"
#include "support/tls_server.h"

namespace hone {
namespace {

using test::run_process;
const std::string kHone = HONE_BINARY;

test::ProcessResult load(const std::vector<std::string>& flags) {
  std::vector<std::string> args = {kHone, "load"};
  args.insert(args.end(), flags.begin(), flags.end());
  return run_process(args);
}

simdjson::dom::element result_of(simdjson::dom::parser& parser, const std::string& path) {
  return parser.load(path).value();
}

TEST(LoadFlags, MethodSetsTheVerb) {
  test::TestServer server;
  const auto run = load({server.url("/"), "--rate", "40", "-d", "0.25s", "-X", "PUT"});
  EXPECT_EQ(run.exit_code, 0) << run.err;
  const auto methods = server.methods();
  ASSERT_FALSE(methods.empty());
  EXPECT_EQ(std::set<std::string>(methods.begin(), methods.end()), std::set<std::string>{"PUT"});
  test::TestServer posted;
  EXPECT_EQ(load({posted.url("/"), "--rate", "40", "-d", "0.25s", "--body", "x"}).exit_code, 0);
  EXPECT_EQ(posted.methods().front(), "POST");  // a body without -X is a POST
}

TEST(LoadFlags, ScaleMultipliesTheRate) {
  test::TestServer server;
  test::TempDir dir;
  const auto run = load(
      {server.url("/"), "--rate", "100", "-d", "1s", "--scale", "2", "--out", dir.file("r.json")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  simdjson::dom::parser parser;
  EXPECT_EQ(result_of(parser, dir.file("r.json"))["summary"]["requests"].get_int64().value(), 200);
}

TEST(LoadFlags, ConnectionsCapsOpenConnections) {
  test::TestServer server;
  test::TempDir dir;
  const auto run = load({server.url("/"), "-c", "8", "-d", "0.5s", "--threads", "1",
                         "--connections", "2", "--out", dir.file("r.json")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  simdjson::dom::parser parser;
  const auto most = result_of(parser, dir.file("r.json"))["schedule"]["max_connections"];
  EXPECT_EQ(most.get_int64().value(), 2);
}

TEST(LoadFlags, TimeoutEndsSlowRequests) {
  test::TestServerOptions options;
  options.delay = std::chrono::seconds(2);
  test::TestServer server(options);
  test::TempDir dir;
  const auto run = load({server.url("/"), "--rate", "20", "-d", "0.2s", "--timeout", "100ms",
                         "--out", dir.file("r.json")});
  EXPECT_EQ(run.exit_code, 1) << run.err;  // nothing succeeded
  simdjson::dom::parser parser;
  const auto kinds = result_of(parser, dir.file("r.json"))["summary"]["errors"]["by_kind"];
  EXPECT_EQ(kinds["timeout"].get_int64().value(), 4);
}

TEST(LoadFlags, BearerSendsTheToken) {
  test::TestServer server;
  const auto run = load({server.url("/"), "--rate", "20", "-d", "0.2s", "--bearer", "abc"});
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  const auto values = server.header_values("Authorization");
  ASSERT_FALSE(values.empty());
  for (const auto& value : values) EXPECT_EQ(value, "Bearer abc");
}

TEST(LoadFlags, JwtExpirySetsTheTokensLifetime) {
  test::TestServer server;
  ASSERT_EQ(load({server.url("/"), "--rate", "20", "-d", "0.2s", "--jwt-secret", "k",
                  "--jwt-expiry", "2h"})
                .exit_code,
            0);
  const std::string token = server.header_values("Authorization").front().substr(7);
  const auto first = token.find('.');
  const auto payload =
      *base64url_decode(token.substr(first + 1, token.find('.', first + 1) - first - 1));
  simdjson::dom::parser parser;
  const auto claims = parser.parse(payload).value();
  EXPECT_EQ(claims["exp"].get_int64().value() - claims["iat"].get_int64().value(), 7200) << payload;
}

TEST(LoadFlags, ExpectStatusAndExpectBodyDecideSuccess) {
  test::TestServer server;  // answers 200 {"ok":true}
  const auto status =
      load({server.url("/"), "--rate", "20", "-d", "0.2s", "--expect-status", "201"});
  EXPECT_EQ(status.exit_code, 1);
  EXPECT_NE(status.err.find("no request succeeded"), std::string::npos) << status.err;
  const auto body = load({server.url("/"), "--rate", "20", "-d", "0.2s", "--expect-body", "nope"});
  EXPECT_EQ(body.exit_code, 1);
  EXPECT_EQ(load({server.url("/"), "--rate", "20", "-d", "0.2s", "--expect-body", "\"ok\"",
                  "--expect-status", "200"})
                .exit_code,
            0);
}

TEST(LoadFlags, InsecureSkipsCertificateChecks) {
  test::TlsServer server;
  const std::string url = "https://127.0.0.1:" + std::to_string(server.port()) + "/";
  EXPECT_EQ(load({url, "--rate", "20", "-d", "0.2s"}).exit_code, 1);  // self-signed: refused
  EXPECT_EQ(load({url, "--rate", "20", "-d", "0.2s", "-k"}).exit_code, 0);
  EXPECT_EQ(load({url, "--rate", "20", "-d", "0.2s", "--insecure"}).exit_code, 0);
}

TEST(LoadFlags, SeedFixesTheRandomChoices) {
  test::TempDir dir;
  std::string rows = "v\n";
  for (int i = 0; i < 100; ++i) rows += std::to_string(i) + "\n";
  dir.write("rows.csv", rows);
  const auto scenario = dir.write(
      "s.yaml",
      "endpoints:\n  - path: /\n    body: '{{v}}'\n    data: {file: rows.csv, order: random}\n");
  std::vector<std::vector<std::string>> seen;
  for (const char* seed : {"7", "7", "8"}) {
    test::TestServer server;
    const auto run = load({"--scenario", scenario, server.url("/"), "--rate", "100", "-d", "0.3s",
                           "--threads", "1", "--seed", seed});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    seen.push_back(server.bodies());
  }
  EXPECT_EQ(seen[0], seen[1]);
  EXPECT_NE(seen[0], seen[2]);
}

TEST(LoadFlags, QuietHidesTheProgressLineOnATerminal) {
  test::TestServer server;
  const std::string command = kHone + " load " + server.url("/") + " --rate 20 -d 1.5s";
  // `script` gives the run a terminal, where the progress line shows unless --quiet.
  const auto shown = run_process({"/usr/bin/script", "-qec", command, "/dev/null"});
  EXPECT_NE(shown.out.find("req/s  p50"), std::string::npos) << shown.out;
  const auto quiet = run_process({"/usr/bin/script", "-qec", command + " --quiet", "/dev/null"});
  EXPECT_EQ(quiet.out.find("req/s  p50"), std::string::npos) << quiet.out;
  const auto q = run_process({"/usr/bin/script", "-qec", command + " -q", "/dev/null"});
  EXPECT_EQ(q.out.find("req/s  p50"), std::string::npos) << q.out;
}

TEST(LoadFlags, HeaderFlagSendsTheHeader) {
  test::TestServer server;
  ASSERT_EQ(
      load({server.url("/"), "--rate", "20", "-d", "0.2s", "--header", "X-Team: ml"}).exit_code, 0);
  EXPECT_EQ(server.header_values("X-Team").front(), "ml");
}

}  // namespace
}  // namespace hone
