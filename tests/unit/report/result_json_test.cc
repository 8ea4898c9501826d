#include "report/result_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "report/merge.h"
#include "report/server_metrics.h"
#include "report/timeline_csv.h"
#include "result_fixture.h"

namespace hone::report {
namespace {

TEST(ResultJson, SummaryKeysAreThere) {
  std::string json;
  write_result_json(test::make_result(1, 1000), json);
  simdjson::dom::parser parser;
  auto root = parser.parse(json).value();
  EXPECT_EQ(root["format"].get_string().value(), "hone-load-result");
  EXPECT_EQ(root["version"].get_int64().value(), 2);
  EXPECT_EQ(root["server"].error(), simdjson::NO_SUCH_FIELD);  // nothing was scraped
  EXPECT_EQ(root["summary"]["requests"].get_int64().value(), 1000);
  EXPECT_EQ(root["summary"]["failed"].get_int64().value(), 20);
  EXPECT_EQ(root["summary"]["ok"].get_int64().value(), 980);
  EXPECT_DOUBLE_EQ(root["summary"]["rps"].get_double().value(), 100);
  for (const char* key : {"min", "mean", "p50", "p90", "p95", "p99", "p999", "max"}) {
    EXPECT_EQ(root["summary"]["latency_us"][key].error(), simdjson::SUCCESS) << key;
  }
  for (const char* key : {"min", "mean", "p50", "p90", "p95", "p99", "p999", "max"}) {
    EXPECT_EQ(root["summary"]["latency_ok_us"][key].error(), simdjson::SUCCESS) << key;
  }
  EXPECT_EQ(root["histograms"]["total"]["latency_ok"]["counts"].error(), simdjson::SUCCESS);
  EXPECT_EQ(root["summary"]["errors"]["by_status"]["500"].get_int64().value(), 20);
  EXPECT_EQ(root["summary"]["errors"]["by_kind"]["check failed"].get_int64().value(), 20);
  EXPECT_EQ(root["endpoints"].get_array().value().size(), 2U);
  EXPECT_EQ(root["timeline"].get_array().value().size(), 10U);
  EXPECT_EQ(root["config"]["thresholds"].get_array().value().size(), 1U);
}

TEST(ResultJson, RoundTripIsExact) {
  const LoadResult original = test::make_result(2, 3000);
  std::string first;
  write_result_json(original, first);
  auto back = parse_result_json(first, "r.json");
  ASSERT_TRUE(back) << back.error().message;
  std::string second;
  write_result_json(*back, second);
  EXPECT_EQ(first, second);
}

// Version 1 files (before server metrics) are still read.
TEST(ResultJson, VersionOneFilesAreRead) {
  std::string json;
  write_result_json(test::make_result(2, 300), json);
  json.replace(json.find(R"("version":2)"), 11, R"("version":1)");
  auto back = parse_result_json(json, "v1.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->total.requests, 300);
  EXPECT_TRUE(back->server.empty());
}

// Files written before the successes' latency had a histogram of its own are read without it.
TEST(ResultJson, FilesWithoutTheSuccessesLatencyAreRead) {
  const LoadResult original = test::make_result(2, 300);
  ASSERT_EQ(original.total.latency_ok.count(), original.total.ok);
  std::string json;
  write_result_json(original, json);
  std::size_t at = 0;
  while ((at = json.find(R"("latency_ok":)")) != std::string::npos) {
    const std::size_t end = json.find('}', at);
    json.erase(at - 1, end - at + 2);  // the comma before it and the object (always last)
  }
  auto back = parse_result_json(json, "old.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->total.requests, 300);
  EXPECT_EQ(back->total.latency_ok.count(), 0);
}

TEST(ResultJson, ServerMetricsRoundTrip) {
  LoadResult original = test::make_result(2, 300);
  ServerMetricsRecorder recorder("http://127.0.0.1:9/metrics", 1000);
  const auto scrape = [](double requests, double bucket) {
    return parse_prometheus_text(
               "# TYPE q histogram\nq_bucket{m=\"a\",le=\"0.1\"} " + std::to_string(bucket) +
               "\nq_bucket{m=\"a\",le=\"+Inf\"} " + std::to_string(requests) +
               "\nq_sum{m=\"a\"} 1\nq_count{m=\"a\"} " + std::to_string(requests) +
               "\n# TYPE r counter\nr_total " + std::to_string(requests) + "\nrss 5e6\n")
        .value();
  };
  recorder.add(1000, scrape(0, 0));
  recorder.add_gap(2000, "connect: refused");
  recorder.add(3000, scrape(10, 4));
  original.server = recorder.finish();
  std::string first;
  write_result_json(original, first);
  auto back = parse_result_json(first, "r.json");
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->server.url, "http://127.0.0.1:9/metrics");
  ASSERT_EQ(back->server.gaps.size(), 1U);
  EXPECT_EQ(back->server.gaps[0].error, "connect: refused");
  EXPECT_EQ(back->server.series.size(), 3U);
  std::string second;
  write_result_json(*back, second);
  EXPECT_EQ(first, second);
  // A malformed section is an error naming it, not a result without it.
  std::string broken = first;
  broken.replace(broken.find(R"("type":"histogram")"), 18, R"("type":"summaryX")");
  auto refused = parse_result_json(broken, "s.json");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("'server'"), std::string::npos) << refused.error().message;
}

TEST(ResultJson, BadFilesAreNamed) {
  auto not_json = parse_result_json("{", "a.json");
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().message.rfind("a.json: ", 0), 0U);
  EXPECT_FALSE(parse_result_json(R"({"format":"other"})", "b.json"));
  auto version = parse_result_json(R"({"format":"hone-load-result","version":9})", "c.json");
  ASSERT_FALSE(version);
  EXPECT_NE(version.error().message.find("version 9 is not supported"), std::string::npos);
  std::string json;
  write_result_json(test::make_result(3, 10), json);
  json.replace(json.find("\"histograms\""), 12, "\"histogramz\"");
  auto broken = parse_result_json(json, "d.json");
  ASSERT_FALSE(broken);
  EXPECT_NE(broken.error().message.find("'histograms'"), std::string::npos);
}

TEST(ResultJson, HistogramsMustHaveTheLayoutHoneWrites) {
  std::string json;
  write_result_json(test::make_result(3, 10), json);
  ASSERT_TRUE(parse_result_json(json, "ok.json"));
  // Another layout could not be merged bucket by bucket.
  std::string other = json;
  other.replace(other.find(R"("digits":3)"), 10, R"("digits":4)");
  auto refused = parse_result_json(other, "e.json");
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("not the layout hone writes"), std::string::npos)
      << refused.error().message;
  // A negative bucket index is refused, not wrapped into a valid one.
  std::string negative = json;
  const std::size_t counts = negative.find(R"("counts":[)") + 10;
  negative.insert(counts, "-4294967295,1,");
  EXPECT_FALSE(parse_result_json(negative, "f.json"));
  // A second without answers has an empty histogram with no layout: that is valid.
  LoadResult result = test::make_result(3, 10);
  result.timeline.push_back(TimelineRow{});
  result.timeline.back().second = result.timeline.front().second + 100;
  std::string with_empty;
  write_result_json(result, with_empty);
  auto reread = parse_result_json(with_empty, "g.json");
  ASSERT_TRUE(reread) << reread.error().message;
  EXPECT_EQ(reread->timeline.size(), result.timeline.size());
}

TEST(Merge, AddsExactly) {
  LoadResult a = test::make_result(4, 2000);
  LoadResult b = test::make_result(5, 3000, 1'700'000'002'000);
  a.schedule.cpu = {1.5, 2, 0.25, 4};
  b.schedule.cpu = {2.0, 1, 0.5, 2};
  // Merging the files read back equals merging in memory, and equals adding the histograms.
  std::string ja;
  std::string jb;
  write_result_json(a, ja);
  write_result_json(b, jb);
  auto merged =
      merge_results({parse_result_json(ja, "a").value(), parse_result_json(jb, "b").value()});
  ASSERT_TRUE(merged);
  EXPECT_EQ(merged->total.requests, 5000);
  EXPECT_EQ(merged->total.failed, a.total.failed + b.total.failed);
  EXPECT_EQ(merged->total.by_status[200], a.total.by_status.at(200) + b.total.by_status.at(200));
  HdrHistogram expected = a.total.latency;
  expected.add(b.total.latency);
  HdrHistogram expected_ok = a.total.latency_ok;
  expected_ok.add(b.total.latency_ok);
  for (const double p : {50.0, 90.0, 99.0, 99.9, 100.0}) {
    EXPECT_EQ(merged->total.latency.value_at_percentile(p), expected.value_at_percentile(p));
    EXPECT_EQ(merged->total.latency_ok.value_at_percentile(p), expected_ok.value_at_percentile(p));
  }
  EXPECT_EQ(merged->total.latency_ok.count(), merged->total.ok);
  EXPECT_EQ(merged->endpoint("predict")->requests,
            a.endpoints[0].stats.requests + b.endpoints[0].stats.requests);
  EXPECT_EQ(merged->shards, 2);
  EXPECT_EQ(merged->started_ms, a.started_ms);
  EXPECT_DOUBLE_EQ(merged->duration_s, 12);  // from a's start to b's end
  EXPECT_EQ(merged->schedule.intended, 5000);
  // The generators' CPU time, threads, and the steal and CPUs of their machines add up.
  EXPECT_DOUBLE_EQ(merged->schedule.cpu.used_s, 3.5);
  EXPECT_EQ(merged->schedule.cpu.threads, 3);
  EXPECT_DOUBLE_EQ(merged->schedule.cpu.machine_steal_s, 0.75);
  EXPECT_EQ(merged->schedule.cpu.machine_cpus, 6);
  EXPECT_EQ(merged->timeline.size(), 12U);
  std::int64_t timeline_total = 0;
  for (const auto& row : merged->timeline) timeline_total += row.requests;
  EXPECT_EQ(timeline_total, 5000);
}

LoadResult shard(unsigned seed, const std::string& index, std::int64_t started_ms) {
  LoadResult result = test::make_result(seed, 100, started_ms);
  result.config_json = R"({"model":"open","start":50,"stages":"","duration_s":10,"shard":")" +
                       index + R"(","endpoints":[{"name":"predict"}]})";
  return result;
}

TEST(Merge, ChecksTheInputsAreShardsOfOneRun) {
  const std::int64_t t = 1'700'000'000'000;
  const std::vector<std::string> names = {"a.json", "b.json"};
  EXPECT_TRUE(check_shards_of_one_run({shard(1, "0/2", t), shard(2, "1/2", t + 2000)}, names));
  const auto why = [&names](const LoadResult& a, const LoadResult& b) {
    auto status = check_shards_of_one_run({a, b}, names);
    return status ? std::string() : status.error().message;
  };
  EXPECT_EQ(why(shard(1, "0/2", t), shard(2, "0/2", t)),
            "b.json repeats shard 0/2: each generator runs its own --shard i/N");
  EXPECT_EQ(why(shard(1, "0/2", t), shard(2, "1/3", t)),
            "b.json and a.json are not shards of one run (--shard 1/3 and 0/2)");
  EXPECT_EQ(why(shard(1, "0/2", t), shard(2, "1/2", t + 3'600'000)),
            "b.json and a.json started 3600 s apart: they are not one run");
  LoadResult elsewhere = shard(2, "1/2", t);
  elsewhere.target = "http://10.0.0.1:8000";
  EXPECT_EQ(why(shard(1, "0/2", t), elsewhere),
            "b.json and a.json load different targets (http://10.0.0.1:8000, "
            "http://127.0.0.1:8000)");
  LoadResult other_load = shard(2, "1/2", t);
  other_load.config_json.replace(other_load.config_json.find("\"start\":50"), 10, "\"start\":90");
  EXPECT_EQ(why(shard(1, "0/2", t), other_load),
            "b.json and a.json were not the same run: their load profiles or endpoints differ");
}

TEST(Merge, RefusesMixedModels) {
  LoadResult a = test::make_result(6, 10);
  LoadResult b = test::make_result(7, 10);
  b.schedule.model = "closed";
  EXPECT_FALSE(merge_results({a, b}));
  EXPECT_FALSE(merge_results({}));
}

TEST(TimelineCsv, OneRowPerSecond) {
  std::string csv;
  write_timeline_csv(test::make_result(8, 100), csv);
  EXPECT_EQ(
      csv.rfind("second,elapsed_s,requests,ok,failed,bytes_in,p50_us,p90_us,p99_us,max_us\n", 0),
      0U);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 11);
}

}  // namespace
}  // namespace hone::report
