// hone sweep through the real binary: on the demo models a list of rates writes every output; a
// search for max_rate under an SLO finds a rate that a separate constant-rate run confirms, and
// that breaks at 1.2 times. These tests run alone (RUN_SERIAL): they measure capacity.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "report/result_json.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace hone {
namespace {
namespace fs = std::filesystem;

using test::run_process;
const std::string kHone = HONE_BINARY;
const std::string kSource = HONE_SOURCE_DIR;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(SweepRun, ARateListWritesEveryOutput) {
  test::TempDir dir;
  const std::string sweep = dir.write(
      "s.yaml", "target:\n  serve: {models: " + kSource +
                    "/examples/models, args: [--threads, \"1\"]}\n"
                    "parameters:\n  model.cache.enabled: [false, true]\n"
                    "load:\n  scenario: " +
                    kSource +
                    "/examples/sweeps/predict-60.yaml\n  rates: [200]\n"
                    "slo: \"p99 < 50ms and error_rate < 1%\"\n"
                    "stability: {window: 1s, windows: 3, tolerance: 30%, max_time: 8s}\n");
  const auto run =
      run_process({kHone, "sweep", sweep, "--out", dir.file("out")}, std::chrono::seconds(120));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("[1/2] cache.enabled=false: rate 200/s ..."), std::string::npos)
      << run.out;
  EXPECT_NE(run.out.find("[2/2] cache.enabled=true: 200 -> "), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("best: cache.enabled="), std::string::npos) << run.out;
  const std::string csv = read(dir.path() / "out" / "sweep.csv");
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3) << csv;
  EXPECT_EQ(csv.rfind("configuration,model.cache.enabled,rate,stable,", 0), 0U) << csv;
  for (const char* file : {"c1-200.json", "c2-200.json"}) {
    auto result = report::read_result_file((dir.path() / "out" / "points" / file).string());
    ASSERT_TRUE(result) << file;
    EXPECT_FALSE(result->server.empty()) << "the sweep scrapes the server it starts";
    EXPECT_NEAR(result->rps(), 200, 20);
  }
  // The cache's parameter reached the server: its repository copy says so.
  EXPECT_NE(read(dir.path() / "out" / "configs" / "2" / "models" / "ceramic-armor" / "config.yaml")
                .find("enabled: true"),
            std::string::npos);
  const std::string html = read(dir.path() / "out" / "sweep.html");
  EXPECT_NE(html.find("\"configurations\":["), std::string::npos);
}

// The search against a server of exact capacity (one answer every 2.2 ms: 454 a second, with no
// queue below it and a queue growing without bound above it), so that where the SLO breaks does
// not move with the machine's load. Two configurations: the same requests under two scenarios.
TEST(SweepRun, TheMaxRateItFindsHoldsAndBreaksAtOnePointTwoTimes) {
  test::TestServerOptions options;
  options.serial = true;
  options.delay = std::chrono::microseconds(2200);
  test::TestServer server(options);
  test::TempDir dir;
  dir.write("a.yaml", "endpoints:\n  - path: /predict\n");
  dir.write("b.yaml", "endpoints:\n  - path: /predict\n    method: POST\n    body: '{}'\n");
  // A p99 limit far above the server's 2.2 ms, that a queue growing past the capacity crosses
  // within two seconds (at 475/s, 5% over, it grows by 46 ms a second) but that a pause of the
  // machine does not (near the capacity a pause's backlog drains slowly: with 20 ms, a busy CI
  // host failed rates under the capacity).
  const std::string slo = "p99 < 100ms and error_rate < 1%";
  const std::string sweep = dir.write(
      "s.yaml",
      "target: {url: \"" + server.url("") +
          "\"}\nparameters:\n  scenario: [a.yaml, b.yaml]\n"
          "load:\n  scenario: a.yaml\n  search: max_rate\n  start: 200\n"
          "  resolution: 10%\n"
          "slo: \"" +
          slo +
          "\"\n"
          "stability: {window: 1s, windows: 3, tolerance: 20%, max_time: 6s}\nout: out\n");
  const auto run = run_process({kHone, "sweep", sweep}, std::chrono::seconds(280));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("best: scenario="), std::string::npos) << run.out;
  const std::string csv = read(dir.path() / "out" / "sweep.csv");
  const auto cells_of = [](const std::string& line) {
    std::vector<std::string> cells;
    std::stringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');) cells.push_back(cell);
    return cells;
  };
  std::istringstream rows(csv);
  std::string line;
  std::getline(rows, line);
  const auto header = cells_of(line);
  const auto column = [&header](const char* name) {
    return static_cast<std::size_t>(std::find(header.begin(), header.end(), name) - header.begin());
  };
  std::map<std::string, double> max_rate;
  std::map<std::string, double> first_failing;
  while (std::getline(rows, line)) {
    const auto cells = cells_of(line);
    const std::string configuration = cells.at(column("configuration"));
    const double rate = std::stod(cells.at(column("rate")));
    if (cells.at(column("slo_met")) == "yes") {
      max_rate[configuration] = std::max(max_rate[configuration], rate);
    } else if (first_failing.count(configuration) == 0 || rate < first_failing[configuration]) {
      first_failing[configuration] = rate;
    }
  }
  ASSERT_EQ(max_rate.size(), 2U) << csv;
  for (const auto& [configuration, rate] : max_rate) {
    // Doubling from 200, then bisecting to 10%: never above the capacity (454/s), and the first
    // failing rate within the resolution (a rate just under capacity may fail for never
    // settling: its queue wanders).
    EXPECT_LE(rate, 455) << csv;
    EXPECT_LE(first_failing.at(configuration) / rate, 1.1 + 1e-9) << csv;
  }
  const double found = max_rate.at("1");

  // A separate constant-rate run at that rate meets the SLO; at 1.2 times it does not.
  const auto confirm = [&](double rate) {
    return run_process({kHone, "load", server.url(""), "--scenario", dir.file("a.yaml"), "--rate",
                        std::to_string(rate), "-d", "6s", "-q", "--threshold", "p99<100ms",
                        "--threshold", "error_rate<1%"},
                       std::chrono::seconds(60));
  };
  // As the search does, a failed run is run once more: one pause of the machine can fail it.
  auto at = confirm(found);
  if (at.exit_code == 99) at = confirm(found);
  EXPECT_EQ(at.exit_code, 0) << "at " << found << "/s:\n" << at.out << at.err << "\n" << csv;
  // 1.2 times the rate found breaks the SLO only when it is above the capacity (454/s): the
  // search may stop lower, as it should when a rate misses the SLO twice (with a 20 ms limit,
  // 400/s, 88% busy, gave p99 28.6 and 20.8 ms in one CI run: the search found 375/s, and
  // 450/s then held). Then there is no breaking point under 1.2 times to check.
  if (1.2 * found < 455) return;
  const auto above = confirm(1.2 * found);
  EXPECT_EQ(above.exit_code, 99) << "at " << 1.2 * found << "/s:\n" << above.out << "\n" << csv;
}

// Concurrency levels (closed model) against a URL.
TEST(SweepRun, ConcurrencyLevelsAgainstAUrl) {
  test::TestServerOptions options;
  // Long enough for the wait to dominate the generator's and the machine's own time per
  // request (with 2 ms, a busy CI host once gave four users 1.6 times one user's rate). The SLO
  // is not this test's subject: a limit far above the delay, that pauses of the machine keep.
  options.delay = std::chrono::milliseconds(20);
  test::TestServer server(options);
  test::TempDir dir;
  dir.write("a.yaml", "endpoints:\n  - path: /\n");
  const std::string sweep = dir.write(
      "s.yaml", "target: {url: \"" + server.url("") +
                    "\"}\nload: {scenario: a.yaml, concurrency: [1, 4]}\nslo: \"p99 < 1s\"\n"
                    "stability: {window: 1s, windows: 2, tolerance: 50%, max_time: 5s}\n");
  const auto run =
      run_process({kHone, "sweep", sweep, "--out", dir.file("out")}, std::chrono::seconds(60));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("as given: concurrency 4 ..."), std::string::npos) << run.out;
  const std::string csv = read(dir.path() / "out" / "sweep.csv");
  EXPECT_EQ(csv.rfind("configuration,concurrency,", 0), 0U) << csv;
  // Four users each waiting 20 ms answer about four times what one does.
  auto one = report::read_result_file(dir.file("out/points/c1-1.json"));
  auto four = report::read_result_file(dir.file("out/points/c1-4.json"));
  ASSERT_TRUE(one && four);
  EXPECT_EQ(one->schedule.model, "closed");
  EXPECT_GT(four->rps(), 2.5 * one->rps());
}

// No configuration meeting the SLO is the sweep's failure: exit 99, saying so.
TEST(SweepRun, NoConfigurationMeetingTheSloExits99) {
  test::TestServer server;
  test::TempDir dir;
  dir.write("a.yaml", "endpoints:\n  - path: /\n");
  const std::string sweep = dir.write(
      "s.yaml", "target: {url: \"" + server.url("") +
                    "\"}\nload: {scenario: a.yaml, rates: [50]}\nslo: \"p99 < 1us\"\n"
                    "stability: {window: 1s, windows: 2, tolerance: 50%, max_time: 4s}\n");
  const auto run =
      run_process({kHone, "sweep", sweep, "--out", dir.file("out")}, std::chrono::seconds(60));
  EXPECT_EQ(run.exit_code, 99) << run.out << run.err;
  EXPECT_NE(run.out.find("no configuration met the SLO"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("missed p99 < 1us"), std::string::npos) << run.out;
}

}  // namespace
}  // namespace hone
