// hone load --metrics-url through the real binary: a hone server's own series land in the result
// with counts equal to the requests sent; a scrape that fails is a gap and the run still passes;
// bad scrape settings are refused before the run.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>
#include <vector>

#include "serve/prediction_server.h"
#include "support/process.h"
#include "support/temp_dir.h"
#include "support/test_server.h"

namespace hone {
namespace {

using test::run_process;
const std::string kHone = HONE_BINARY;
const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";
const std::string kBody = R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],)"
                          R"("data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10]}]})";

test::ProcessResult load(const std::vector<std::string>& flags) {
  std::vector<std::string> args = {kHone, "load"};
  args.insert(args.end(), flags.begin(), flags.end());
  return run_process(args);
}

// The series of the result's server section named `name` whose labels include `match`.
std::vector<simdjson::dom::element> series(
    simdjson::dom::element root, const std::string& name,
    const std::vector<std::pair<std::string, std::string>>& match) {
  std::vector<simdjson::dom::element> out;
  const simdjson::dom::array all = root["server"]["series"].get_array().value();
  for (const auto item : all) {
    if (item["name"].get_string().value() != name) continue;
    bool ok = true;
    for (const auto& [k, v] : match) {
      std::string_view value;
      ok = ok && item["labels"][k].get_string().get(value) == simdjson::SUCCESS && value == v;
    }
    if (ok) out.push_back(item);
  }
  return out;
}

TEST(LoadMetrics, AHoneServersSeriesLandInTheResult) {
  auto models = std::make_shared<model::ModelRepository>();
  ASSERT_TRUE(models->load_directory(kExamples, {1}));
  serve::ServeOptions options;
  options.http.port = 0;
  options.http.threads = 1;
  serve::PredictionServer server(options, models);
  ASSERT_TRUE(server.start());
  const std::string base = "http://127.0.0.1:" + std::to_string(server.port());
  test::TempDir dir;
  const auto run = load({base + "/v2/models/ceramic-armor/infer", "--body", kBody, "--rate", "100",
                         "-d", "2s", "--metrics-url", "/metrics", "--metrics-interval", "500ms",
                         "--out", dir.file("r.json")});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  simdjson::dom::parser parser;
  const auto root = parser.load(dir.file("r.json")).value();
  EXPECT_EQ(root["version"].get_int64().value(), 2);
  EXPECT_EQ(root["config"]["metrics_url"].get_string().value(), base + "/metrics");
  EXPECT_EQ(root["server"]["url"].get_string().value(), base + "/metrics");
  EXPECT_EQ(root["server"]["interval_ms"].get_int64().value(), 500);
  // At the start, every 500 ms of the 2 s run, and at its end.
  EXPECT_GE(root["server"]["scrapes"].get_int64().value(), 5);
  EXPECT_EQ(root["server"]["gaps"].get_array().value().size(), 0U);

  const std::int64_t sent = root["summary"]["requests"].get_int64().value();
  EXPECT_EQ(sent, 200);
  const auto answered =
      series(root, "hone_requests_total", {{"model", "ceramic-armor"}, {"status", "200"}});
  ASSERT_EQ(answered.size(), 1U);
  EXPECT_EQ(answered[0]["type"].get_string().value(), "counter");
  EXPECT_DOUBLE_EQ(answered[0]["total"].get_double().value(), static_cast<double>(sent));
  // Every request was decoded, looked up and encoded; the ones computed (neither a cache hit
  // nor coalesced onto an identical one) queued and computed.
  const auto total = [&](const char* name,
                         const std::vector<std::pair<std::string, std::string>>& labels) {
    const auto found = series(root, name, labels);
    return found.size() == 1 ? found[0]["total"].get_double().value() : -1.0;
  };
  for (const char* stage : {"hone_decode_duration_seconds", "hone_cache_lookup_duration_seconds",
                            "hone_serialize_duration_seconds", "hone_request_duration_seconds"}) {
    const auto histogram = series(root, stage, {{"model", "ceramic-armor"}});
    ASSERT_EQ(histogram.size(), 1U) << stage;
    EXPECT_EQ(histogram[0]["type"].get_string().value(), "histogram");
    EXPECT_DOUBLE_EQ(histogram[0]["total"].get_double().value(), static_cast<double>(sent));
    EXPECT_GE(histogram[0]["points"].get_array().value().size(), 4U) << stage;
  }
  const double computed = total("hone_compute_duration_seconds", {{"model", "ceramic-armor"}});
  EXPECT_GT(computed, 0);
  EXPECT_DOUBLE_EQ(total("hone_queue_duration_seconds", {{"model", "ceramic-armor"}}), computed);
  EXPECT_DOUBLE_EQ(computed + total("hone_cache_hits_total", {{"layer", "l1"}}) +
                       total("hone_coalesced_requests_total", {}),
                   static_cast<double>(sent));
  // What the analysis reads: cache hits (the demo model caches), CPU and memory.
  EXPECT_EQ(series(root, "hone_cache_hits_total", {{"layer", "l1"}}).size(), 1U);
  EXPECT_EQ(series(root, "hone_process_cpu_seconds_total", {}).size(), 1U);
  const auto rss = series(root, "hone_process_resident_memory_bytes", {});
  ASSERT_EQ(rss.size(), 1U);
  EXPECT_GT(rss[0]["max"].get_double().value(), 1e6);
}

TEST(LoadMetrics, AFailedScrapeIsAGapNotAFailedRun) {
  test::TestServer target;  // answers {"ok":true}: not the text format
  test::TempDir dir;
  const auto refused = load({target.url("/"), "--rate", "20", "-d", "1s", "--metrics-url",
                             "http://127.0.0.1:1/metrics", "--out", dir.file("a.json")});
  EXPECT_EQ(refused.exit_code, 0) << refused.err;
  const auto garbled = load({target.url("/"), "--rate", "20", "-d", "1s", "--metrics-url",
                             "/metrics", "--out", dir.file("b.json")});
  EXPECT_EQ(garbled.exit_code, 0) << garbled.err;
  simdjson::dom::parser parser;
  const auto a = parser.load(dir.file("a.json")).value();
  const simdjson::dom::array gaps_a = a["server"]["gaps"].get_array().value();
  ASSERT_GE(gaps_a.size(), 2U);  // at the start and at the end at least
  EXPECT_NE(std::string(gaps_a.at(0)["error"].get_string().value()).find("cannot connect"),
            std::string::npos);
  EXPECT_EQ(a["server"]["scrapes"].get_int64().value(), 0);
  EXPECT_EQ(a["summary"]["requests"].get_int64().value(), 20);
  simdjson::dom::parser parser_b;
  const auto b = parser_b.load(dir.file("b.json")).value();
  const simdjson::dom::array gaps_b = b["server"]["gaps"].get_array().value();
  ASSERT_GE(gaps_b.size(), 2U);
  EXPECT_NE(std::string(gaps_b.at(0)["error"].get_string().value()).find("not the Prometheus text"),
            std::string::npos);
}

TEST(LoadMetrics, BadScrapeSettingsAreRefusedBeforeTheRun) {
  test::TestServer target;
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--metrics-url", "https://127.0.0.1:9/metrics"}, "only http://"},
      {{"--metrics-interval", "2s"}, "--metrics-interval needs --metrics-url"},
      {{"--metrics-url", "/metrics", "--metrics-interval", "50ms"}, "from 100ms to 60s"},
      {{"--metrics-url", "/metrics", "--metrics-interval", "soon"}, "--metrics-interval"},
  };
  for (const auto& [flags, message] : cases) {
    std::vector<std::string> args = {target.url("/"), "--rate", "10", "-d", "1s"};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto run = load(args);
    EXPECT_NE(run.exit_code, 0) << message;
    EXPECT_NE(run.err.find(message), std::string::npos) << run.err;
  }
  // The scenario file's keys are read the same way.
  test::TempDir dir;
  const std::string scenario =
      dir.write("s.yaml", "metrics_url: https://127.0.0.1:9/metrics\nendpoints:\n  - path: /\n");
  const auto from_file =
      load({target.url("/"), "--scenario", scenario, "--rate", "10", "-d", "1s"});
  EXPECT_NE(from_file.err.find("only http://"), std::string::npos) << from_file.err;
  const std::string interval = dir.write(
      "t.yaml", "metrics_url: /metrics\nmetrics_interval: 30ms\nendpoints:\n  - path: /\n");
  const auto short_interval =
      load({target.url("/"), "--scenario", interval, "--rate", "10", "-d", "1s"});
  EXPECT_NE(short_interval.err.find("from 100ms to 60s"), std::string::npos) << short_interval.err;
  EXPECT_EQ(target.requests(), 0);
}

}  // namespace
}  // namespace hone
