// Analysis rules on built runs, where each figure is known: cold starts, error bursts, connection
// churn, cache hit rates against repeated inputs, the health score's parts, and a clean run that
// yields nothing.
#include <gtest/gtest.h>

#include "analyze/analysis.h"
#include "analyze/run_facts.h"
#include "report/server_metrics.h"
#include "run_builder.h"

namespace hone::analyze {
namespace {

// `seconds` seconds of `rps` requests at `latency_us` (a little spread), from second `from`.
void steady(test::RunBuilder& builder, int from, int seconds, int rps, std::int64_t latency_us) {
  for (int s = from; s < from + seconds; ++s) {
    for (int i = 0; i < rps; ++i) builder.add(s, 0, latency_us + (i % 10) * latency_us / 50);
  }
}

const Finding* find(const Analysis& analysis, const std::string& kind) {
  for (const auto& f : analysis.findings) {
    if (f.kind == kind) return &f;
  }
  return nullptr;
}

TEST(Findings, ACleanRunHasNoneAndFullHealth) {
  test::RunBuilder builder;
  steady(builder, 0, 30, 100, 2000);
  const Analysis analysis = analyze_result(builder.build(30));
  EXPECT_TRUE(analysis.findings.empty()) << format_analysis(analysis);
  EXPECT_DOUBLE_EQ(analysis.health.score, 100);
  EXPECT_EQ(analysis.health.parts.size(), 5U);
  EXPECT_NE(format_analysis(analysis).find("no findings"), std::string::npos);
}

TEST(Findings, ColdStart) {
  test::RunBuilder builder;
  steady(builder, 0, 3, 100, 40'000);  // the first seconds ten times slower
  steady(builder, 3, 27, 100, 2'000);
  const Analysis analysis = analyze_result(builder.build(30));
  const Finding* cold = find(analysis, "cold_start");
  ASSERT_NE(cold, nullptr) << format_analysis(analysis);
  EXPECT_EQ(cold->severity, Severity::kHigh);
  bool warmup = false;
  for (const auto& r : analysis.recommendations)
    warmup |= r.config.find("warmup") != std::string::npos;
  EXPECT_TRUE(warmup);
}

TEST(Findings, ErrorsInBursts) {
  test::RunBuilder builder;
  steady(builder, 0, 40, 100, 2000);
  for (int s : {10, 25}) {
    for (int i = 0; i < 50; ++i) builder.add(s, 0, 2000, true, 503);
  }
  const Analysis analysis = analyze_result(builder.build(40));
  const Finding* errors = find(analysis, "errors");
  ASSERT_NE(errors, nullptr);
  EXPECT_EQ(errors->severity, Severity::kHigh);  // 100 of 4100: 2.4%
  EXPECT_NE(errors->summary.find("in bursts"), std::string::npos) << errors->summary;
  EXPECT_NE(errors->summary.find("100 x 503"), std::string::npos) << errors->summary;
  // 35 points at 5%: 2.44% takes about 17.
  EXPECT_NEAR(analysis.health.parts[0].penalty, 35 * (100.0 / 4100) / 0.05, 0.01);
  EXPECT_NE(analysis.recommendations.front().action.find("503"), std::string::npos);
}

TEST(Findings, ConnectionChurn) {
  test::RunBuilder builder;
  steady(builder, 0, 20, 100, 2000);
  auto result = builder.build(20);
  result.schedule.max_connections = 4;
  result.schedule.connections_opened = 1500;  // most requests on a new connection
  const Analysis analysis = analyze_result(result);
  const Finding* churn = find(analysis, "connection_churn");
  ASSERT_NE(churn, nullptr);
  EXPECT_EQ(churn->severity, Severity::kHigh);
  result.schedule.connections_opened = 4;
  EXPECT_EQ(find(analyze_result(result), "connection_churn"), nullptr);
}

// Server series as hone serve exports them: cache counters over the run.
report::ServerMetrics cache_series(double hits, double misses, double evictions) {
  report::ServerMetricsRecorder recorder("http://x/metrics", 1000);
  const auto scrape = [](double h, double m, double e) {
    return report::parse_prometheus_text(
               "# TYPE hone_cache_hits_total counter\nhone_cache_hits_total{layer=\"l1\"} " +
               std::to_string(h) +
               "\n# TYPE hone_cache_misses_total counter\nhone_cache_misses_total{layer=\"l1\"} " +
               std::to_string(m) +
               "\n# TYPE hone_cache_evictions_total "
               "counter\nhone_cache_evictions_total{layer=\"l1\"} " +
               std::to_string(e) + "\n")
        .value();
  };
  recorder.add(0, scrape(0, 0, 0));
  recorder.add(20'000, scrape(hits, misses, evictions));
  return recorder.finish();
}

TEST(Findings, ACacheThatMissesWhatRepeats) {
  test::RunBuilder builder;
  steady(builder, 0, 20, 100, 2000);
  auto result = builder.build(20);
  result.endpoints[0].distinct_inputs = 200;  // 90% of 2000 requests repeat an earlier input
  result.server = cache_series(100, 1900, 1700);
  const Analysis analysis = analyze_result(result);
  const Finding* cache = find(analysis, "cache_ineffective");
  ASSERT_NE(cache, nullptr) << format_analysis(analysis);
  EXPECT_EQ(cache->severity, Severity::kHigh);
  EXPECT_NE(cache->summary.find("evicted"), std::string::npos) << cache->summary;
  EXPECT_EQ(analysis.recommendations.at(0).config, "hone serve --cache-size 256MiB");
  // A cache that answers what repeats is no finding.
  result.server = cache_series(1750, 250, 0);
  EXPECT_EQ(find(analyze_result(result), "cache_ineffective"), nullptr);
  // Without a cache, repeated inputs are the finding; unique inputs are none.
  result.server = {};
  ASSERT_NE(find(analyze_result(result), "cache_ineffective"), nullptr);
  result.endpoints[0].distinct_inputs = 2000;
  EXPECT_EQ(find(analyze_result(result), "cache_ineffective"), nullptr);
}

TEST(Findings, JsonCarriesTheSame) {
  test::RunBuilder builder;
  steady(builder, 0, 3, 100, 40'000);
  steady(builder, 3, 27, 100, 2'000);
  const std::string json = analysis_json(analyze_result(builder.build(30)));
  EXPECT_NE(json.find(R"("kind":"cold_start","severity":"high")"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("name":"errors","weight":35)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("recommendations":[{"finding":"cold_start")"), std::string::npos) << json;
}

}  // namespace
}  // namespace hone::analyze

namespace hone::analyze {
namespace {

// A stage counts only the requests that went through it: with 90 cache hits in 100 requests,
// a 5 ms compute stage of 10 requests adds 0.5 ms to the mean request, and the upstream stage
// (a gateway's backend call) counts as compute.
TEST(ServerBreakdown, StagesAreWeightedByTheRequestsThatPassedThrough) {
  report::ServerMetricsRecorder recorder("http://x/metrics", 1000);
  const auto histogram = [](const std::string& name, double count, double sum) {
    const std::string labels = "{model=\"m\"";
    return "# TYPE " + name + " histogram\n" + name + "_bucket" + labels + ",le=\"+Inf\"} " +
           std::to_string(count) + "\n" + name + "_sum" + labels + "} " + std::to_string(sum) +
           "\n" + name + "_count" + labels + "} " + std::to_string(count) + "\n";
  };
  const auto scrape = [&](double scale) {
    return report::parse_prometheus_text(
               histogram("hone_request_duration_seconds", 100 * scale, 0.1 * scale) +
               histogram("hone_compute_duration_seconds", 10 * scale, 0.05 * scale) +
               histogram("hone_upstream_duration_seconds", 5 * scale, 0.01 * scale) +
               histogram("hone_decode_duration_seconds", 100 * scale, 0.002 * scale))
        .value();
  };
  recorder.add(0, scrape(0));
  recorder.add(20'000, scrape(1));
  test::RunBuilder builder;
  steady(builder, 0, 20, 5, 2000);
  auto result = builder.build(20);
  result.server = recorder.finish();
  const RunFacts facts = gather_facts(result);
  ASSERT_EQ(facts.models.size(), 1U);
  const analyze::ServerBreakdown& b = facts.models.front();
  EXPECT_NEAR(b.total_us, 1000, 1);
  EXPECT_NEAR(b.compute_us, 500 + 100, 1);  // 10 x 5 ms and 5 x 2 ms, over 100 requests
  EXPECT_NEAR(b.input_us, 20, 0.5);
}

}  // namespace
}  // namespace hone::analyze

namespace hone::analyze {
namespace {

// Sends late while a connection was free point at the generator only when there are more than a
// few (a stalled server's backlog makes an idle generator send about a percent late).
TEST(Findings, AFewLateSendsWithAFreeConnectionAreNotTheGenerator) {
  test::RunBuilder builder;
  steady(builder, 0, 20, 100, 2000);
  auto result = builder.build(20);
  for (int i = 0; i < 100; ++i) result.schedule.lag.record(20'000);       // lag p99 20 ms
  result.schedule.lag_when_connections_free = result.schedule.sent / 50;  // 2%
  EXPECT_EQ(find(analyze_result(result), "generator_saturated"), nullptr);
  result.schedule.lag_when_connections_free = result.schedule.sent / 10;  // 10%
  EXPECT_NE(find(analyze_result(result), "generator_saturated"), nullptr);
  // On a virtual machine whose host kept 8% of its CPU time, an idle generator was paused for
  // about 8% of its sends: 10% late is then not the generator's doing.
  result.schedule.cpu = {0.2, 1, 3.2, 2};  // 8% of 2 CPUs x 20 s
  EXPECT_EQ(find(analyze_result(result), "generator_saturated"), nullptr);
  result.schedule.lag_when_connections_free = result.schedule.sent / 5;  // 20%
  EXPECT_NE(find(analyze_result(result), "generator_saturated"), nullptr);
}

}  // namespace
}  // namespace hone::analyze

namespace hone::analyze {
namespace {

// A run behind schedule with every connection busy: the generator's threads used 60% of their
// wall time. On a machine of its own that is a generator waiting for answers; when the
// hypervisor kept 40% of the machine's CPU time, the threads ran all the time they could.
TEST(Findings, AGeneratorHeldBackByItsHypervisorIsBusy) {
  test::RunBuilder builder;
  steady(builder, 0, 10, 100, 2000);
  auto result = builder.build(10);
  result.schedule.intended = result.schedule.sent * 2;  // sent half of what it meant to
  for (int i = 0; i < 100; ++i) result.schedule.lag.record(200'000);
  result.schedule.cpu = {6.0, 1, 0, 2};  // 6 s of CPU over 10 s
  EXPECT_NEAR(result.schedule.cpu.busy(10), 0.6, 1e-9);
  EXPECT_EQ(find(analyze_result(result), "generator_saturated"), nullptr);
  EXPECT_EQ(find(analyze_result(result), "cpu_stolen"), nullptr);

  result.schedule.cpu.machine_steal_s = 8.0;  // 40% of 2 CPUs x 10 s
  EXPECT_NEAR(result.schedule.cpu.stolen_share(10), 0.4, 1e-9);
  EXPECT_NEAR(result.schedule.cpu.busy(10), 1.0, 1e-9);
  const Analysis analysis = analyze_result(result);
  const Finding* generator = find(analysis, "generator_saturated");
  ASSERT_NE(generator, nullptr) << format_analysis(analysis);
  EXPECT_EQ(generator->severity, Severity::kHigh);
  const Finding* stolen = find(analysis, "cpu_stolen");
  ASSERT_NE(stolen, nullptr) << format_analysis(analysis);
  EXPECT_EQ(stolen->severity, Severity::kMedium);
  EXPECT_NE(stolen->summary.find("kept 40% of this machine's CPU time"), std::string::npos)
      << stolen->summary;
  bool remedy = false;
  for (const auto& r : analysis.recommendations) {
    remedy |= r.finding == "cpu_stolen" && r.action.find("dedicated CPUs") != std::string::npos;
  }
  EXPECT_TRUE(remedy) << format_analysis(analysis);
}

TEST(Findings, StealUnderFivePercentIsNotAFinding) {
  test::RunBuilder builder;
  steady(builder, 0, 10, 100, 2000);
  auto result = builder.build(10);
  result.schedule.cpu = {1.0, 1, 0.9, 2};  // 4.5% of 2 CPUs x 10 s
  EXPECT_EQ(find(analyze_result(result), "cpu_stolen"), nullptr);
  result.schedule.cpu.machine_steal_s = 1.1;  // 5.5%
  EXPECT_NE(find(analyze_result(result), "cpu_stolen"), nullptr);
  // Nearly all of it taken: at most 90% comes off the threads' time, so busy stays finite.
  result.schedule.cpu.machine_steal_s = 20;
  EXPECT_NEAR(result.schedule.cpu.busy(10), 1.0, 1e-9);
  // Not recorded (an older result file): no share, and the busy figure as it was.
  result.schedule.cpu.machine_cpus = 0;
  EXPECT_EQ(result.schedule.cpu.stolen_share(10), 0);
  EXPECT_NEAR(result.schedule.cpu.busy(10), 0.1, 1e-9);
}

}  // namespace
}  // namespace hone::analyze
