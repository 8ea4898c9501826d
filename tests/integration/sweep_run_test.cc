// hone sweep through the real binary on the demo models: a list of rates writes every output;
// a search for max_rate under an SLO finds a rate that a separate constant-rate run confirms, and
// that breaks at 1.2 times. These tests run alone (RUN_SERIAL): they measure capacity.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "report/result_json.h"
#include "support/process.h"
#include "support/temp_dir.h"

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

// A model made compute-bound (600 rows a request, every request different), so that its
// capacity (under a thousand requests/s here) is well within what the generator can offer.
std::string compute_bound(const test::TempDir& dir) {
  fs::create_directories(dir.path() / "models" / "ceramic-armor");
  fs::copy_file(kSource + "/examples/models/ceramic-armor/model.json",
                dir.path() / "models" / "ceramic-armor" / "model.json");
  dir.write("models/ceramic-armor/config.yaml", "backend: xgboost\nmax_rows_per_request: 4096\n");
  std::string lines;
  for (int request = 0; request < 400; ++request) {
    std::string data = std::to_string(request);
    for (int i = 1; i < 600 * 12; ++i) data += "," + std::to_string((request * 31 + i * 7) % 100);
    lines += "{\"data\": [" + data + "]}\n";
  }
  dir.write("rows.jsonl", lines);
  return dir.write("predict.yaml",
                   "endpoints:\n  - path: /v2/models/ceramic-armor/infer\n    body: "
                   "'{\"inputs\":[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[600,12],"
                   "\"data\":{{data}}}]}'\n    data: {file: rows.jsonl, order: random}\n");
}

TEST(SweepRun, TheMaxRateItFindsHoldsAndBreaksAtOnePointTwoTimes) {
  test::TempDir dir;
  const std::string scenario = compute_bound(dir);
  const std::string slo = "p99 < 50ms and error_rate < 1%";
  const std::string sweep = dir.write(
      "s.yaml",
      "target:\n  serve: {models: models, args: [--threads, \"1\"]}\n"
      "parameters:\n  --no-compression: [false, true]\n"
      "load:\n  scenario: predict.yaml\n  search: max_rate\n  start: 400\n  resolution: 15%\n"
      "slo: \"" +
          slo +
          "\"\n"
          "stability: {window: 1s, windows: 3, tolerance: 25%, max_time: 6s}\nout: out\n");
  const auto run = run_process({kHone, "sweep", sweep}, std::chrono::seconds(280));
  ASSERT_EQ(run.exit_code, 0) << run.out << run.err;
  // The best configuration's highest passing rate, from the CSV.
  const std::string csv = read(dir.path() / "out" / "sweep.csv");
  const auto best_line = run.out.find("best: ");
  ASSERT_NE(best_line, std::string::npos) << run.out;
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
  double max_rate = 0;
  while (std::getline(rows, line)) {
    const auto cells = cells_of(line);
    if (cells.at(column("slo_met")) == "yes" && cells.at(column("configuration")) == "1") {
      max_rate = std::max(max_rate, std::stod(cells.at(column("rate"))));
    }
  }
  ASSERT_GT(max_rate, 0) << csv;
  // The search bracketed it: some rate above it failed.
  EXPECT_NE(csv.find(",no,"), std::string::npos) << csv;

  // A separate constant-rate run at that rate meets the SLO; at 1.2 times it does not.
  const auto confirm = [&](double rate) {
    test::ChildProcess server(
        {kHone, "serve", "--models", dir.file("models"), "--port", "0", "--threads", "1"});
    const std::uint16_t port = test::listening_port(server.read_line(std::chrono::seconds(60)));
    EXPECT_NE(port, 0);
    const auto load =
        run_process({kHone, "load", "http://127.0.0.1:" + std::to_string(port), "--scenario",
                     scenario, "--rate", std::to_string(rate), "-d", "8s", "--threads", "1", "-q",
                     "--threshold", "p99<50ms", "--threshold", "error_rate<1%"},
                    std::chrono::seconds(60));
    server.signal(SIGTERM);
    server.wait();
    return load;
  };
  const auto at = confirm(max_rate);
  EXPECT_EQ(at.exit_code, 0) << "at " << max_rate << "/s:\n" << at.out << at.err << "\n" << csv;
  const auto above = confirm(1.2 * max_rate);
  EXPECT_EQ(above.exit_code, 99) << "at " << 1.2 * max_rate << "/s:\n" << above.out << "\n" << csv;
}

}  // namespace
}  // namespace hone
