// The Prometheus text reader and the recorder that turns scrapes into a result's server series.
#include "report/server_metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "report/prom_text.h"

namespace hone::report {
namespace {

TEST(PromText, ReadsFamiliesLabelsEscapesAndSpecialValues) {
  const auto scrape = parse_prometheus_text(
      "# HELP hone_requests_total Requests.\n"
      "# TYPE hone_requests_total counter\n"
      "hone_requests_total{status=\"200\",model=\"a\"} 12 1700000000000\n"
      "odd{path=\"say \\\"hi\\\"\\\\\\n\"} +Inf\n"
      "nan_value NaN\r\n"
      "\n"
      "up 1 # {trace_id=\"x\"} 1\n"
      "# EOF\n");
  ASSERT_TRUE(scrape) << scrape.error().message;
  EXPECT_EQ(scrape->types.at("hone_requests_total"), "counter");
  ASSERT_EQ(scrape->samples.size(), 4U);
  const PromSample& first = scrape->samples[0];
  EXPECT_EQ(first.name, "hone_requests_total");
  EXPECT_EQ(first.labels, (PromLabels{{"model", "a"}, {"status", "200"}}));  // sorted
  EXPECT_EQ(first.value, 12);
  EXPECT_EQ(scrape->samples[1].labels[0].second, "say \"hi\"\\\n");
  EXPECT_TRUE(std::isinf(scrape->samples[1].value));
  EXPECT_TRUE(std::isnan(scrape->samples[2].value));
  EXPECT_EQ(scrape->samples[3].value, 1);
}

TEST(PromText, RefusesWhatIsNotTheFormatWithTheLine) {
  for (const char* bad : {"a{b=\"c} 1\n", "metric\n", "m{x} 1\n", "m 12abc\n", "{a=\"b\"} 1\n",
                          "<html><body>not found</body></html>\n"}) {
    const auto scrape = parse_prometheus_text(std::string("ok 1\n") + bad);
    ASSERT_FALSE(scrape) << bad;
    EXPECT_EQ(scrape.error().message.rfind("line 2: ", 0), 0U) << scrape.error().message;
  }
  const auto many = parse_prometheus_text("a 1\nb 2\nc 3\n", 2);
  ASSERT_FALSE(many);
  EXPECT_NE(many.error().message.find("more than 2 samples"), std::string::npos);
}

TEST(HistogramQuantile, InterpolatesAsPrometheusDoes) {
  const double inf = std::numeric_limits<double>::infinity();
  // 10 observations <= 1, 10 more <= 2, none beyond.
  const std::vector<std::pair<double, double>> buckets = {{1, 10}, {2, 20}, {inf, 20}};
  EXPECT_DOUBLE_EQ(histogram_quantile(0.5, buckets), 1.0);
  EXPECT_DOUBLE_EQ(histogram_quantile(0.75, buckets), 1.5);
  EXPECT_DOUBLE_EQ(histogram_quantile(0.25, buckets), 0.5);
  // Ranks in the +Inf bucket answer the highest finite bound.
  EXPECT_DOUBLE_EQ(histogram_quantile(0.99, {{1, 1}, {inf, 10}}), 1.0);
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {{1, 0}, {inf, 0}})));
  EXPECT_TRUE(std::isnan(histogram_quantile(0.5, {{1, 3}})));  // no +Inf: not a histogram
}

std::string hone_scrape(double requests, double queue_fast, double queue_all, double queue_sum,
                        double pending) {
  const auto n = [](double v) { return std::to_string(v); };
  return "# TYPE hone_requests_total counter\n"
         "hone_requests_total{model=\"m\",status=\"200\"} " +
         n(requests) +
         "\n"
         "# TYPE hone_queue_duration_seconds histogram\n"
         "hone_queue_duration_seconds_bucket{model=\"m\",le=\"0.001\"} " +
         n(queue_fast) +
         "\n"
         "hone_queue_duration_seconds_bucket{model=\"m\",le=\"0.01\"} " +
         n(queue_all) +
         "\n"
         "hone_queue_duration_seconds_bucket{model=\"m\",le=\"+Inf\"} " +
         n(queue_all) +
         "\n"
         "hone_queue_duration_seconds_sum{model=\"m\"} " +
         n(queue_sum) +
         "\n"
         "hone_queue_duration_seconds_count{model=\"m\"} " +
         n(queue_all) +
         "\n"
         "# TYPE hone_pending_requests gauge\n"
         "hone_pending_requests{model=\"m\"} " +
         n(pending) + "\n";
}

TEST(ServerMetricsRecorder, CountersBecomeRatesGaugesValuesHistogramsQuantiles) {
  ServerMetricsRecorder recorder("http://x/metrics", 1000);
  recorder.add(10'000, parse_prometheus_text(hone_scrape(100, 10, 10, 0.005, 3)).value());
  recorder.add(11'000, parse_prometheus_text(hone_scrape(300, 110, 210, 1.005, 5)).value());
  recorder.add_gap(12'000, "timed out");
  recorder.add(13'000, parse_prometheus_text(hone_scrape(500, 110, 410, 3.005, 1)).value());
  const ServerMetrics metrics = recorder.finish();
  EXPECT_EQ(metrics.scrapes, 3);
  ASSERT_EQ(metrics.gaps.size(), 1U);
  EXPECT_EQ(metrics.gaps[0].t_ms, 12'000);

  const auto requests = metrics.find("hone_requests_total", {{"model", "m"}});
  ASSERT_EQ(requests.size(), 1U);
  EXPECT_EQ(requests[0]->type, "counter");
  ASSERT_EQ(requests[0]->points.size(), 2U);
  EXPECT_DOUBLE_EQ(requests[0]->points[0].value, 200);  // per second
  EXPECT_DOUBLE_EQ(requests[0]->points[1].value, 100);  // 200 over the 2 s that spanned the gap
  EXPECT_DOUBLE_EQ(requests[0]->total, 400);

  const auto queue = metrics.find("hone_queue_duration_seconds");
  ASSERT_EQ(queue.size(), 1U);
  const ServerSeries& q = *queue[0];
  EXPECT_EQ(q.type, "histogram");
  EXPECT_EQ(q.label("model"), "m");
  EXPECT_EQ(q.label("le"), "");
  ASSERT_EQ(q.points.size(), 2U);
  EXPECT_DOUBLE_EQ(q.points[0].value, 200);  // observations per second
  EXPECT_DOUBLE_EQ(q.points[0].mean, 0.005);
  EXPECT_DOUBLE_EQ(q.points[0].p50, 0.001);  // half of the interval's 200 were <= 1 ms
  EXPECT_GT(q.points[1].p50, 0.001);         // none of the last 200 were
  EXPECT_DOUBLE_EQ(q.total, 400);
  EXPECT_DOUBLE_EQ(q.sum, 3);
  EXPECT_DOUBLE_EQ(q.mean, 3.0 / 400);

  const auto pending = metrics.find("hone_pending_requests");
  ASSERT_EQ(pending.size(), 1U);
  EXPECT_EQ(pending[0]->points.size(), 3U);
  EXPECT_DOUBLE_EQ(pending[0]->mean, 3);
  EXPECT_DOUBLE_EQ(pending[0]->min, 1);
  EXPECT_DOUBLE_EQ(pending[0]->max, 5);
  EXPECT_DOUBLE_EQ(pending[0]->last, 1);
}

TEST(ServerMetricsRecorder, ResetsCountFromZeroAndSeriesAreBounded) {
  ServerMetricsRecorder recorder("http://x/metrics", 1000, 2);
  recorder.add(0, parse_prometheus_text("# TYPE c counter\nc 50\na 1\nb 1\n").value());
  recorder.add(1000, parse_prometheus_text("# TYPE c counter\nc 7\na 1\nb 1\n").value());
  const ServerMetrics metrics = recorder.finish();
  ASSERT_EQ(metrics.series.size(), 2U);
  EXPECT_EQ(metrics.dropped_series, 2);              // "b", twice
  EXPECT_DOUBLE_EQ(metrics.find("c")[0]->total, 7);  // the server restarted and counted 7
}

TEST(ServerMetricsRecorder, ASeriesThatAppearsLateCountedFromZero) {
  ServerMetricsRecorder recorder("http://x/metrics", 1000);
  recorder.add(0, parse_prometheus_text("# TYPE c counter\n").value());
  recorder.add(1000, parse_prometheus_text("# TYPE c counter\nc{status=\"500\"} 6\n").value());
  const ServerMetrics metrics = recorder.finish();
  ASSERT_EQ(metrics.find("c").size(), 1U);
  EXPECT_DOUBLE_EQ(metrics.find("c")[0]->total, 6);
  EXPECT_DOUBLE_EQ(metrics.find("c")[0]->points.at(0).value, 6);
}

TEST(ServerMetricsRecorder, SummariesAndOpenMetricsCounters) {
  ServerMetricsRecorder recorder("http://x/metrics", 1000);
  const char* text =
      "# TYPE rt summary\nrt{quantile=\"0.99\"} %g\nrt_sum %g\nrt_count %g\n"
      "# TYPE jobs counter\njobs_total %g\njobs_created 1.7e9\n";
  char first[256];
  char second[256];
  std::snprintf(first, sizeof first, text, 0.2, 1.0, 10.0, 5.0);
  std::snprintf(second, sizeof second, text, 0.3, 3.0, 30.0, 9.0);
  recorder.add(0, parse_prometheus_text(first).value());
  recorder.add(2000, parse_prometheus_text(second).value());
  const ServerMetrics metrics = recorder.finish();
  EXPECT_EQ(metrics.find("rt", {{"quantile", "0.99"}})[0]->type, "gauge");
  EXPECT_DOUBLE_EQ(metrics.find("rt_count")[0]->points[0].value, 10);  // 20 over 2 s
  EXPECT_DOUBLE_EQ(metrics.find("jobs_total")[0]->total, 4);
  EXPECT_TRUE(metrics.find("jobs_created").empty());
}

}  // namespace
}  // namespace hone::report
