// hone analyze on real runs against servers made to show one problem each: a server that stalls
// every few seconds, one whose queue grows past its capacity, a compute-bound model, a generator
// asked for more than it can send, and the demo's naive configuration (a batching delay paid
// for batches of one row, repeated inputs and no cache). Each run yields its finding, and none of
// the others with high severity.
#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "analyze/analysis.h"
#include "model/xgboost/trainer.h"
#include "report/result_json.h"
#include "serve/prediction_server.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace hone {
namespace {
namespace fs = std::filesystem;

using test::run_process;
const std::string kHone = HONE_BINARY;
const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";

analyze::Analysis analyze_run(const test::TempDir& dir, std::vector<std::string> flags) {
  std::vector<std::string> args = {kHone, "load", "-q", "--out", dir.file("r.json")};
  args.insert(args.end(), flags.begin(), flags.end());
  const auto run = run_process(args);
  EXPECT_TRUE(run.exit_code == 0 || run.exit_code == 99) << run.err;
  auto result = report::read_result_file(dir.file("r.json"));
  EXPECT_TRUE(result) << (result ? "" : result.error().message);
  return result ? analyze::analyze_result(*result) : analyze::Analysis{};
}

const analyze::Finding* find(const analyze::Analysis& analysis, const std::string& kind) {
  for (const auto& f : analysis.findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

std::string describe(const analyze::Analysis& analysis) {
  return analyze::format_analysis(analysis);
}

// No finding but `expected` is of high severity.
void expect_only_high(const analyze::Analysis& analysis, const std::set<std::string>& expected) {
  for (const auto& f : analysis.findings) {
    if (expected.count(f.kind) == 0) {
      EXPECT_NE(f.severity, analyze::Severity::kHigh) << f.kind << "\n" << describe(analysis);
    }
  }
}

TEST(AnalyzeFindings, AServerThatStallsEveryFewSeconds) {
  test::TestServerOptions options;
  options.delay = std::chrono::milliseconds(1);
  options.stall_every = std::chrono::seconds(3);
  options.stall_for = std::chrono::milliseconds(400);
  options.stall_offset = std::chrono::milliseconds(1500);
  test::TestServer server(options);
  test::TempDir dir;
  const auto analysis = analyze_run(dir, {server.url("/"), "--rate", "100", "-d", "14s"});
  const auto* stall = find(analysis, "periodic_stall");
  ASSERT_NE(stall, nullptr) << describe(analysis);
  EXPECT_NEAR(stall->evidence.at(0).value, 3, 1) << describe(analysis);  // the period
  expect_only_high(analysis, {"periodic_stall"});
  EXPECT_EQ(find(analysis, "server_saturated"), nullptr) << describe(analysis);
}

TEST(AnalyzeFindings, AServerWhoseQueueGrowsPastItsCapacity) {
  test::TestServerOptions options;
  options.serial = true;  // 250 answers/s at most
  options.delay = std::chrono::milliseconds(4);
  test::TestServer server(options);
  test::TempDir dir;
  const auto analysis = analyze_run(dir, {server.url("/"), "--rate", "400", "-d", "8s"});
  const auto* saturated = find(analysis, "server_saturated");
  ASSERT_NE(saturated, nullptr) << describe(analysis);
  EXPECT_EQ(saturated->severity, analyze::Severity::kHigh);
  double capacity = 0;
  for (const auto& e : saturated->evidence) {
    if (e.name == "throughput") capacity = e.value;
  }
  EXPECT_NEAR(capacity, 250, 40) << describe(analysis);
  expect_only_high(analysis, {"server_saturated"});
  EXPECT_EQ(find(analysis, "generator_saturated"), nullptr) << describe(analysis);
  EXPECT_LT(analysis.health.score, 80);
}

TEST(AnalyzeFindings, AGeneratorGivenMoreThanItCanSend) {
  test::TestServer server;
  test::TempDir dir;
  const auto analysis = analyze_run(dir, {server.url("/"), "--rate", "400000", "-d", "2s",
                                          "--threads", "1", "--connections", "64"});
  const auto* generator = find(analysis, "generator_saturated");
  // What tells the generator's saturation from a server's: its threads' CPU time over the time
  // they could run. A busy host's steal (the CPU time it keeps from this machine) is taken off
  // that time, so a 2-core CI machine on a busy host passes as well as a quiet one.
  const auto result = report::read_result_file(dir.file("r.json"));
  ASSERT_TRUE(result);
  ASSERT_NE(generator, nullptr) << describe(analysis) << "generator threads busy "
                                << result->schedule.cpu.busy(result->duration_s) << ", steal "
                                << result->schedule.cpu.stolen_share(result->duration_s);
  EXPECT_EQ(generator->severity, analyze::Severity::kHigh);
  expect_only_high(analysis, {"generator_saturated"});
  EXPECT_EQ(find(analysis, "server_saturated"), nullptr) << describe(analysis);
}

// A served model, scraped during the run.
struct Served {
  explicit Served(const std::string& repository) {
    auto models = std::make_shared<model::ModelRepository>();
    EXPECT_TRUE(models->load_directory(repository, {1}));
    serve::ServeOptions options;
    options.http.port = 0;
    options.http.threads = 1;
    server = std::make_unique<serve::PredictionServer>(options, models);
    EXPECT_TRUE(server->start());
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + path;
  }
  std::unique_ptr<serve::PredictionServer> server;
};

std::string ceramic_repository(const test::TempDir& dir, const std::string& config) {
  fs::create_directories(dir.path() / "repo" / "ceramic-armor");
  fs::copy_file(kExamples + "/ceramic-armor/model.json",
                dir.path() / "repo" / "ceramic-armor" / "model.json");
  dir.write("repo/ceramic-armor/config.yaml",
            "backend: xgboost\nmax_rows_per_request: 4096\n" + config);
  return (dir.path() / "repo").string();
}

// A model of 600 deep trees over 6 features: per row it costs far more to compute than to read,
// so its work dominates whatever the build (sanitizers slow reading, not libxgboost).
TEST(AnalyzeFindings, AComputeBoundModel) {
  test::TempDir dir;
  model::TrainingSet set;
  set.rows = 2000;
  set.cols = 6;
  std::mt19937 random(5);
  std::uniform_real_distribution<float> value(0, 100);
  for (std::size_t i = 0; i < set.rows * set.cols; ++i) set.features.push_back(value(random));
  for (std::size_t r = 0; r < set.rows; ++r) set.labels.push_back(value(random));
  model::TrainingParams params;
  params.rounds = 600;
  params.params = {{"objective", "reg:squarederror"}, {"max_depth", "8"}};
  fs::create_directories(dir.path() / "repo" / "heavy");
  ASSERT_TRUE(model::train_xgboost(set, params, dir.file("repo/heavy/model.json")));
  dir.write("repo/heavy/config.yaml", "backend: xgboost\nmax_rows_per_request: 4096\n");
  Served served(dir.file("repo"));
  // 300 different requests of 100 rows each: nothing repeats.
  std::string lines;
  for (int request = 0; request < 300; ++request) {
    std::string data = std::to_string(request);
    for (int i = 1; i < 100 * 6; ++i) data += "," + std::to_string((request * 31 + i * 7) % 100);
    lines += R"({"data": [)" + data + "]}\n";
  }
  dir.write("rows.jsonl", lines);
  const std::string scenario =
      dir.write("s.yaml",
                "endpoints:\n  - path: /v2/models/heavy/infer\n    body: "
                "'{\"inputs\":[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[100,6],"
                "\"data\":{{data}}}]}'\n    data: {file: rows.jsonl}\n");
  const auto analysis = analyze_run(dir, {served.url(""), "--scenario", scenario, "--rate", "50",
                                          "-d", "4s", "--metrics-url", "/metrics"});
  const auto* queueing = find(analysis, "queueing");
  ASSERT_NE(queueing, nullptr) << describe(analysis);
  EXPECT_NE(queueing->summary.find("compute time"), std::string::npos) << describe(analysis);
  expect_only_high(analysis, {});
}

TEST(AnalyzeFindings, TheNaiveDemoConfiguration) {
  test::TempDir dir;
  Served served(ceramic_repository(dir, "batching: {max_batch_size: 64, max_queue_delay: 3ms}\n"));
  std::string csv = "a,b,c,d,e,f,g,h,i,j,k,l\n";
  for (int r = 0; r < 30; ++r) {
    for (int c = 0; c < 12; ++c)
      csv += std::to_string((r * 13 + c * 7) % 100) + (c < 11 ? "," : "\n");
  }
  dir.write("rows.csv", csv);
  const std::string scenario =
      dir.write("s.yaml",
                "endpoints:\n  - path: /v2/models/ceramic-armor/infer\n    body: "
                "'{\"inputs\":[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[1,12],"
                "\"data\":[{{row}}]}]}'\n"
                "    data: {file: rows.csv, order: random}\n");
  const auto analysis = analyze_run(dir, {served.url(""), "--scenario", scenario, "--rate", "200",
                                          "-d", "5s", "--metrics-url", "/metrics"});
  const auto* queueing = find(analysis, "queueing");
  ASSERT_NE(queueing, nullptr) << describe(analysis);
  EXPECT_NE(queueing->summary.find("queue time"), std::string::npos) << describe(analysis);
  ASSERT_NE(find(analysis, "cache_ineffective"), nullptr) << describe(analysis);
  ASSERT_NE(find(analysis, "batching_ineffective"), nullptr) << describe(analysis);
  expect_only_high(analysis, {"queueing", "cache_ineffective"});
  std::set<std::string> advice;
  for (const auto& r : analysis.recommendations) advice.insert(r.config);
  EXPECT_EQ(advice.count("config.yaml: cache: {enabled: true} (or hone serve --cache)"), 1U)
      << describe(analysis);
  EXPECT_EQ(advice.count("config.yaml: batching: {max_queue_delay: 0us} (or remove batching)"), 1U)
      << describe(analysis);
  for (const auto& r : analysis.recommendations) {
    if (r.config.find("cache") != std::string::npos) {
      EXPECT_EQ(r.sweep, "examples/sweeps/cache.yaml");
      EXPECT_TRUE(std::filesystem::exists(std::string(HONE_SOURCE_DIR) + "/" + r.sweep));
    }
  }
}

TEST(AnalyzeFindings, TheCommandPrintsTextOrJson) {
  test::TestServer server;
  test::TempDir dir;
  ASSERT_EQ(run_process({kHone, "load", server.url("/"), "--rate", "50", "-d", "1s", "-q", "--out",
                         dir.file("r.json")})
                .exit_code,
            0);
  const auto text = run_process({kHone, "analyze", dir.file("r.json")});
  EXPECT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("health "), std::string::npos) << text.out;
  const auto json = run_process({kHone, "analyze", dir.file("r.json"), "--json"});
  EXPECT_EQ(json.exit_code, 0);
  EXPECT_NE(json.out.find(R"("health":{"score":)"), std::string::npos) << json.out;
  dir.write("bad.json", "{}");
  const auto bad = run_process({kHone, "analyze", dir.file("bad.json")});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("not a hone load result"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace hone
