// hone load and hone report as users run them: exit codes (0, 1, 2, 99), one-line reasons,
// result files, merge of shards, suites, and scenario mistakes named by file and line.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>
#include <thread>
#include <vector>

#include "support/listener.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace hone {
namespace {

using test::run_process;
const std::string kHone = HONE_BINARY;

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::int64_t summary_requests(const std::string& path) {
  simdjson::dom::parser parser;
  return parser.load(path)["summary"]["requests"].get_int64().value();
}

TEST(LoadCli, RunWritesResultsAndPassesThresholds) {
  test::TestServer server;
  test::TempDir dir;
  const auto result = run_process({kHone, "load", server.url("/x"), "--rate", "200", "-d", "1s",
                                   "--out", dir.file("r.json"), "--csv", dir.file("t.csv"),
                                   "--threshold", "p99<5s", "--threshold", "error_rate<1%"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.err, "");  // no progress line on a pipe
  EXPECT_NE(result.out.find("pass p99<5s"), std::string::npos) << result.out;
  EXPECT_EQ(summary_requests(dir.file("r.json")), 200);
  EXPECT_EQ(read(dir.file("t.csv")).rfind("second,elapsed_s,requests", 0), 0U);
}

// A server that answers each connection's first request, then, once the connection has been
// idle for `idle`, sends an unsolicited 408 and closes it (as some servers do at their idle
// timeout). Stops at destruction.
class IdleTimeoutServer {
 public:
  explicit IdleTimeoutServer(std::chrono::milliseconds idle) : idle_(idle) {
    const test::LoopbackListener listener = test::listen_on_loopback(64);
    listener_ = listener.fd;
    port_ = listener.port;
    thread_ = std::thread([this] { run(); });
  }
  ~IdleTimeoutServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    ::close(listener_);
    thread_.join();
    for (auto& t : connections_) t.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/"; }

 private:
  void run() {
    while (!stopping_) {
      const int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0) return;
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }
  void serve(int fd) {
    std::string received;
    char chunk[4096];
    while (received.find("\r\n\r\n") == std::string::npos) {
      const ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n <= 0) break;
      received.append(chunk, static_cast<std::size_t>(n));
    }
    const std::string ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    ::send(fd, ok.data(), ok.size(), MSG_NOSIGNAL);
    std::this_thread::sleep_for(idle_);
    const std::string timeout =
        "HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    ::send(fd, timeout.data(), timeout.size(), MSG_NOSIGNAL);
    ::shutdown(fd, SHUT_WR);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::close(fd);
  }

  std::chrono::milliseconds idle_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::vector<std::thread> connections_;  // touched by the accept thread only, joined at the end
};

// An answer that arrives while no request is out answers none: hone load drops the connection
// and sends the request on another, counting nothing (it once took the 408 as the next answer).
TEST(LoadCli, AnUnsolicited408OnAnIdleConnectionIsNotTheNextAnswer) {
  IdleTimeoutServer server(std::chrono::milliseconds(50));
  test::TempDir dir;
  const auto result = run_process({kHone, "load", server.url(), "-c", "1", "--think", "200ms", "-d",
                                   "1.5s", "--out", dir.file("r.json")});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  simdjson::dom::parser parser;
  const auto summary = parser.load(dir.file("r.json"))["summary"];
  EXPECT_GE(summary["requests"].get_int64().value(), 4);
  EXPECT_EQ(summary["failed"].get_int64().value(), 0) << result.out;
  EXPECT_EQ(summary["status"]["408"].error(), simdjson::NO_SUCH_FIELD) << result.out;
}

TEST(LoadCli, FailedThresholdExits99NamingIt) {
  test::TestServer server;
  const auto result = run_process({kHone, "load", server.url("/"), "--rate", "50", "-d", "0.2s",
                                   "--threshold", "p99<1us", "--threshold", "rps>1"});
  EXPECT_EQ(result.exit_code, 99);
  EXPECT_EQ(result.err, "hone: thresholds failed: p99<1us\n");
  EXPECT_NE(result.out.find("FAIL p99<1us"), std::string::npos);
}

TEST(LoadCli, NothingSucceededExits1) {
  const auto result =
      run_process({kHone, "load", "http://127.0.0.1:1/", "--rate", "20", "-d", "0.2s"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no request succeeded"), std::string::npos) << result.err;
}

struct BadLoad {
  std::vector<std::string> args;
  std::string reason;
};

void PrintTo(const BadLoad& value, std::ostream* out) { *out << value.reason; }

class LoadCliBadUsage : public ::testing::TestWithParam<BadLoad> {};

TEST_P(LoadCliBadUsage, Exits2WithOneLine) {
  std::vector<std::string> args = {kHone, "load"};
  for (const auto& arg : GetParam().args) args.push_back(arg);
  const auto result = run_process(args);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  EXPECT_NE(result.err.find(GetParam().reason), std::string::npos) << result.err;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, LoadCliBadUsage,
    ::testing::Values(
        BadLoad{{"--rate", "10"}, "no URL"}, BadLoad{{"http://127.0.0.1:9/"}, "say how much load"},
        BadLoad{{"localhost:80", "--rate", "5"}, "invalid URL"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "-c", "2"}, "not both"},
        BadLoad{{"http://127.0.0.1:9/", "--stages", "30s"}, "invalid stage '30s'"},
        BadLoad{{"http://127.0.0.1:9/", "--preset", "chaos"}, "unknown preset 'chaos'"},
        BadLoad{{"http://127.0.0.1:9/", "--preset", "basic", "--rate", "5"}, "--preset sets"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--threshold", "p99"}, "threshold 'p99'"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--shard", "3/2"}, "--shard '3/2'"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "-H", "nocolon"}, "-H 'nocolon'"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--think", "soon"}, "think time 'soon'"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--body", "@/no/such"}, "--body @/no/such"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--jwt-secret", "k", "--jwt-claims", "[]"},
                "JWT claims must be a JSON object"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "-5"}, "--rate"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "abc"}, "--rate: 'abc' is not a positive number"},
        BadLoad{{"http://127.0.0.1:9/", "-c", "0"}, "--concurrency: '0' is not a positive number"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--threshold", "predict:p99<5ms"},
                "threshold 'predict:p99<5ms': no endpoint named 'predict' (endpoints: 'GET /')"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--body", "{\"x\": {{x}}}"},
                "the body uses {{x}} but has no data file"},
        BadLoad{{"http://127.0.0.1:9/", "--rate", "5", "--duration", "forever"}, "--duration"}));

struct BadScenario {
  std::string yaml;
  std::string reason;
};

void PrintTo(const BadScenario& value, std::ostream* out) { *out << value.reason; }

class LoadCliBadScenario : public ::testing::TestWithParam<BadScenario> {};

TEST_P(LoadCliBadScenario, NamesFileLineAndReason) {
  test::TempDir dir;
  dir.write("rows.csv", "a\n1\n");
  const auto file = dir.write("s.yaml", GetParam().yaml);
  const auto result = run_process({kHone, "load", "--scenario", file});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(file + ":"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find(GetParam().reason), std::string::npos) << result.err;
}

const std::string kHead = "base_url: http://127.0.0.1:9\nrate: 5\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, LoadCliBadScenario,
    ::testing::Values(
        BadScenario{kHead + "endpoints:\n  - path: /\n    wieght: 2\n",
                    "5:5: unknown key 'wieght'"},
        BadScenario{kHead + "endpoints: []\n", "non-empty 'endpoints'"},
        BadScenario{kHead + "endpoints:\n  - method: GET\n", "endpoint needs 'path'"},
        BadScenario{kHead + "stages: 10s\nendpoints:\n  - path: /\n", "3:9: invalid stage"},
        BadScenario{kHead + "endpoints:\n  - path: /\n    weight: -1\n",
                    "'weight' must be positive"},
        BadScenario{kHead + "endpoints:\n  - path: /\n    expect: {status: abc}\n",
                    "HTTP status code"},
        BadScenario{
            kHead + "endpoints:\n  - path: /\n    body: '{{b}}'\n    data: {file: rows.csv}\n",
            "uses {{b}} but the data has columns a"},
        BadScenario{kHead + "endpoints:\n  - path: /\n    body: '[{{a}}]'\n",
                    "the body uses {{a}} but has no data file"},
        BadScenario{kHead + "thresholds: ['nope:p99<1s']\nendpoints:\n  - name: yes\n    path: /\n",
                    "no endpoint named 'nope' (endpoints: 'yes')"},
        BadScenario{kHead + "endpoints:\n  - path: /\n    data: {file: none.csv}\n",
                    "cannot open the data file"},
        BadScenario{kHead + "endpoints:\n  - path: /\n    body_file: none.json\n", "cannot read"},
        BadScenario{kHead + "duration: soon\nendpoints:\n  - path: /\n", "3:11: 'duration'"},
        BadScenario{"rate: [1\n", "s.yaml:"}));

// The scenario example in docs/LOAD.md runs as written: its {{row}} fills the feature array.
TEST(LoadCli, TheScenarioExampleInTheDocsRunsAsWritten) {
  const std::string doc = read(std::string(HONE_SOURCE_DIR) + "/docs/LOAD.md");
  const auto section = doc.find("## Scenario files");
  const auto start = doc.find("```yaml\n", section);
  ASSERT_NE(start, std::string::npos);
  const auto end = doc.find("```", start + 8);
  std::string yaml = doc.substr(start + 8, end - start - 8);
  test::TestServerOptions options;
  options.body = R"({"outputs":[1]})";
  test::TestServer server(options);
  const std::string documented = "http://127.0.0.1:8000";
  ASSERT_NE(yaml.find(documented), std::string::npos);
  yaml.replace(yaml.find(documented), documented.size(), server.url(""));
  test::TempDir dir;
  dir.write("rows.csv", "a,b,c,d,e,f,g,h,i,j,k,l\n1,2,3,4,5,6,7,8,9,10,11,12.5\n");
  const auto file = dir.write("scenario.yaml", yaml);
  const auto run =
      run_process({kHone, "load", "--scenario", file, "-d", "0.5s", "--out", dir.file("r.json")});
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  // Each key of the example reached the run: bodies from {{row}}, methods, paths, headers, auth.
  const auto bodies = server.bodies();
  const auto methods = server.methods();
  const auto teams = server.header_values("X-Team");
  const auto auth = server.header_values("Authorization");
  const auto types = server.header_values("Content-Type");
  int predictions = 0;
  int scrapes = 0;
  for (std::size_t i = 0; i < bodies.size(); ++i) {
    if (teams[i].empty() && auth[i].empty()) {  // metrics_url: the scraper sends neither
      ++scrapes;
      continue;
    }
    EXPECT_EQ(teams[i], "ml");
    EXPECT_EQ(auth[i], "Bearer TOKEN");
    if (bodies[i].empty()) {
      EXPECT_EQ(methods[i], "GET");
      continue;
    }
    ++predictions;
    EXPECT_EQ(methods[i], "POST");
    EXPECT_EQ(types[i], "application/json");
    EXPECT_EQ(bodies[i], R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],)"
                         R"("data":[1,2,3,4,5,6,7,8,9,10,11,12.5]}]})");
  }
  EXPECT_GT(predictions, 0);
  const auto paths = server.paths();
  EXPECT_GE(scrapes, 2);  // at the start and at the end
  EXPECT_EQ(paths.at("/metrics"), scrapes);
  EXPECT_EQ(paths.at("/v2/models/ceramic-armor/infer"), predictions);
  EXPECT_GT(paths.at("/v2/models/ceramic-armor/infer"), paths.at("/v2/health/ready"));  // weight 3
  // The run's settings, as the result file records them.
  simdjson::dom::parser parser;
  const auto config = parser.load(dir.file("r.json")).value()["config"];
  EXPECT_EQ(config["threads"].get_int64().value(), 2);
  EXPECT_EQ(config["connections"].get_int64().value(), 64);
  EXPECT_DOUBLE_EQ(config["timeout_s"].get_double().value(), 10);
  EXPECT_EQ(config["model"].get_string().value(), "open");
  // The stages (30s to 200/s, 1m to 800/s), stretched by -d to 0.5 s in all.
  EXPECT_EQ(config["stages"].get_string().value(), "0.166667s:200,0.333333s:800");
  EXPECT_EQ(config["thresholds"].get_array().value().size(), 3U);
}

// The keys the example leaves out: closed model, scale, JWT, body_file and expect.status.
TEST(LoadCli, ScenarioKeysForTheClosedModelAndJwt) {
  test::TestServer server;
  test::TempDir dir;
  dir.write("body.json", R"({"x": 1})");
  const auto file =
      dir.write("s.yaml", "base_url: " + server.url("") +
                              "\nconcurrency: 2\nscale: 2\nduration: 0.5s\n"
                              "think_time: 10ms-20ms\n"
                              "jwt: {secret: s, claims: '{\"sub\":\"x\"}', expiry: 2h}\n"
                              "endpoints:\n  - path: /a\n    body_file: body.json\n"
                              "    expect: {status: [201]}\n");
  const auto run = run_process({kHone, "load", "--scenario", file, "--out", dir.file("r.json")});
  EXPECT_EQ(run.exit_code, 1) << run.err;  // every answer was 200, not the expected 201
  EXPECT_NE(run.err.find("no request succeeded"), std::string::npos) << run.err;
  ASSERT_FALSE(server.bodies().empty());
  EXPECT_EQ(server.bodies().front(), R"({"x": 1})");
  EXPECT_EQ(server.methods().front(), "POST");
  EXPECT_EQ(server.header_values("Authorization").front().rfind("Bearer ey", 0), 0U);
  simdjson::dom::parser parser;
  const auto config = parser.load(dir.file("r.json")).value()["config"];
  EXPECT_EQ(config["model"].get_string().value(), "closed");
  EXPECT_DOUBLE_EQ(config["start"].get_double().value(), 4);  // 2 users x scale 2
  EXPECT_DOUBLE_EQ(config["think_s"].at(0).get_double().value(), 0.01);
  EXPECT_DOUBLE_EQ(config["think_s"].at(1).get_double().value(), 0.02);
}

TEST(LoadCli, ShardsMergeIntoOneResult) {
  test::TestServer server;
  test::TempDir dir;
  for (const char* shard : {"0/2", "1/2"}) {
    const auto run =
        run_process({kHone, "load", server.url("/"), "--rate", "400", "-d", "1s", "--shard", shard,
                     "--out", dir.file(std::string("part") + shard[0] + ".json")});
    ASSERT_EQ(run.exit_code, 0) << run.err;
  }
  const auto merged = run_process({kHone, "report", "merge", dir.file("part0.json"),
                                   dir.file("part1.json"), "-o", dir.file("all.json")});
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(summary_requests(dir.file("all.json")), 400);
  EXPECT_NE(merged.out.find("2 shards merged"), std::string::npos) << merged.out;
  EXPECT_EQ(run_process({kHone, "report", dir.file("all.json"), "--threshold", "requests==400"})
                .exit_code,
            0);
  const auto failing =
      run_process({kHone, "report", dir.file("all.json"), "--threshold", "requests>400"});
  EXPECT_EQ(failing.exit_code, 99);
  // A run that is not a shard of the same one is refused, unless forced.
  const auto other = run_process({kHone, "load", server.url("/other"), "--rate", "100", "-d",
                                  "0.2s", "--out", dir.file("other.json")});
  ASSERT_EQ(other.exit_code, 0) << other.err;
  const auto refused = run_process({kHone, "report", "merge", dir.file("part0.json"),
                                    dir.file("other.json"), "-o", dir.file("mixed.json")});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(
      refused.err.find("other.json and " + dir.file("part0.json") + " load different targets"),
      std::string::npos)
      << refused.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("mixed.json")));
  const auto forced =
      run_process({kHone, "report", "merge", dir.file("part0.json"), dir.file("other.json"), "-o",
                   dir.file("mixed.json"), "--force"});
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(summary_requests(dir.file("mixed.json")), 200 + 20);
  const auto bad = run_process({kHone, "report", dir.write("x.json", "{}")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("not a hone load result"), std::string::npos);
}

// What a result file's latency histogram holds: how many values, their sum, min and max.
struct HistogramTotals {
  std::int64_t count = 0;
  std::int64_t sum = 0;
  std::int64_t min = 0;
  std::int64_t max = 0;
};

HistogramTotals latency_histogram(const std::string& path) {
  simdjson::dom::parser parser;
  const auto latency = parser.load(path)["histograms"]["total"]["latency"];
  HistogramTotals totals;
  totals.sum = latency["sum"].get_int64().value();
  totals.min = latency["min"].get_int64().value();
  totals.max = latency["max"].get_int64().value();
  // The counts are flat pairs: bucket, count, bucket, count...
  std::size_t at = 0;
  for (const auto item : latency["counts"].get_array()) {
    if (at++ % 2 == 1) totals.count += item.get_int64().value();
  }
  return totals;
}

TEST(LoadCli, ShardsGivenOneStartAtBeginTogether) {
  test::TestServer server;
  test::TempDir dir;
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  const std::int64_t start_ms = (now_ms / 1000 + 2) * 1000 + 250;  // 1.25 to 2.25 s from now
  char at[32];
  std::snprintf(at, sizeof at, "%lld.%03lld", static_cast<long long>(start_ms / 1000),
                static_cast<long long>(start_ms % 1000));
  std::vector<std::thread> shards;
  std::vector<test::ProcessResult> runs(3);
  for (int i = 0; i < 3; ++i) {
    shards.emplace_back([&, i] {
      runs[static_cast<std::size_t>(i)] =
          run_process({kHone, "load", server.url("/"), "--rate", "300", "-d", "1s", "--threads",
                       "1", "--shard", std::to_string(i) + "/3", "--start-at", at, "--out",
                       dir.file("part" + std::to_string(i) + ".json")});
    });
  }
  for (auto& shard : shards) shard.join();
  HistogramTotals parts;
  parts.min = std::numeric_limits<std::int64_t>::max();
  std::vector<std::string> files;
  for (int i = 0; i < 3; ++i) {
    ASSERT_EQ(runs[static_cast<std::size_t>(i)].exit_code, 0)
        << runs[static_cast<std::size_t>(i)].err;
    const std::string file = dir.file("part" + std::to_string(i) + ".json");
    files.push_back(file);
    simdjson::dom::parser parser;
    const auto result = parser.load(file);
    // Every shard started at the moment given, to the millisecond, and its schedule's first
    // second is that moment's.
    EXPECT_EQ(result["started_ms"].get_int64().value(), start_ms);
    EXPECT_EQ(result["timeline"].at(0)["t"].get_int64().value(), start_ms / 1000);
    EXPECT_EQ(summary_requests(file), 100);
    const HistogramTotals one = latency_histogram(file);
    EXPECT_EQ(one.count, 100);
    parts.count += one.count;
    parts.sum += one.sum;
    parts.min = std::min(parts.min, one.min);
    parts.max = std::max(parts.max, one.max);
  }
  std::vector<std::string> merge = {kHone, "report", "merge"};
  merge.insert(merge.end(), files.begin(), files.end());
  merge.insert(merge.end(), {"-o", dir.file("all.json")});
  const auto merged = run_process(merge);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_NE(merged.out.find("3 shards merged"), std::string::npos) << merged.out;
  EXPECT_EQ(summary_requests(dir.file("all.json")), 300);
  const HistogramTotals all = latency_histogram(dir.file("all.json"));
  EXPECT_EQ(all.count, parts.count);
  EXPECT_EQ(all.sum, parts.sum);
  EXPECT_EQ(all.min, parts.min);
  EXPECT_EQ(all.max, parts.max);

  // A moment already past, or not a moment, is refused before anything is sent.
  for (const char* bad : {"1000", "2020-01-01T00:00:00Z", "soon", "2026-13-01T00:00:00Z"}) {
    const auto refused = run_process(
        {kHone, "load", server.url("/late"), "--rate", "10", "-d", "1s", "--start-at", bad});
    EXPECT_EQ(refused.exit_code, 2) << bad;
    EXPECT_NE(refused.err.find("--start-at"), std::string::npos) << refused.err;
  }
  EXPECT_EQ(server.paths().count("/late"), 0U);
}

TEST(LoadCli, InterruptedWhileWaitingForItsStartItSendsNothing) {
  test::TestServer server;
  const auto in_a_minute = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count() +
                           60;
  test::ChildProcess waiting({kHone, "load", server.url("/wait"), "--rate", "10", "-d", "1s",
                              "--start-at", std::to_string(in_a_minute)});
  EXPECT_NE(waiting.read_line().find("hone load:"), std::string::npos);  // planned, now waiting
  waiting.signal(SIGINT);
  EXPECT_EQ(waiting.wait(std::chrono::seconds(5)), 130);
  EXPECT_NE(waiting.stderr_text().find("interrupted before --start-at"), std::string::npos);
  EXPECT_EQ(server.paths().count("/wait"), 0U);
}

TEST(LoadCli, SuiteRunsEachEndpointAlone) {
  test::TestServer server;
  test::TempDir dir;
  const auto file = dir.write("s.yaml", "base_url: " + server.url() +
                                            "\nendpoints:\n  - name: a\n    path: /a\n"
                                            "  - name: b\n    path: /b\n    weight: 9\n");
  const auto result = run_process({kHone, "load", "suite", file, "--rate", "100", "-d", "0.5s",
                                   "--out", dir.file("suite.json")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto paths = server.paths();
  EXPECT_EQ(paths.at("/a"), 50);
  EXPECT_EQ(paths.at("/b"), 50);
  simdjson::dom::parser parser;
  auto root = parser.load(dir.file("suite.json")).value();
  simdjson::dom::array endpoints = root["endpoints"].get_array().value();
  ASSERT_EQ(endpoints.size(), 2U);
  for (const auto endpoint : endpoints) {
    EXPECT_EQ(endpoint["requests"].get_int64().value(), 50);
    EXPECT_NEAR(endpoint["duration_s"].get_double().value(), 0.5, 0.1);
  }
  EXPECT_EQ(root["summary"]["requests"].get_int64().value(), 100);
}

TEST(LoadCli, OutDirMakesATimeStampedFolder) {
  test::TestServer server;
  test::TempDir dir;
  const auto result = run_process(
      {kHone, "load", server.url("/"), "-c", "1", "-d", "0.2s", "--out-dir", dir.file("runs")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  int folders = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.file("runs"))) {
    ++folders;
    EXPECT_TRUE(std::filesystem::exists(entry.path() / "result.json"));
    EXPECT_TRUE(std::filesystem::exists(entry.path() / "timeline.csv"));
  }
  EXPECT_EQ(folders, 1);
}

}  // namespace
}  // namespace hone
