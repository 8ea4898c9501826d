#include "report/thresholds.h"

#include <gtest/gtest.h>

#include "report/schedule_check.h"
#include "report/summary_text.h"
#include "result_fixture.h"

namespace hone::report {
namespace {

TEST(Thresholds, Parse) {
  auto p99 = parse_threshold("p99<200ms").value();
  EXPECT_EQ(p99.metric, "p99");
  EXPECT_EQ(p99.op, "<");
  EXPECT_DOUBLE_EQ(p99.value, 200'000);
  auto rate = parse_threshold(" error_rate <= 1% ").value();
  EXPECT_EQ(rate.op, "<=");
  EXPECT_DOUBLE_EQ(rate.value, 0.01);
  auto endpoint = parse_threshold("predict:service_p95<2s").value();
  EXPECT_EQ(endpoint.endpoint, "predict");
  EXPECT_EQ(endpoint.metric, "service_p95");
  EXPECT_DOUBLE_EQ(endpoint.value, 2e6);
  EXPECT_DOUBLE_EQ(parse_threshold("rps>1000").value().value, 1000);
  EXPECT_DOUBLE_EQ(parse_threshold("p99.99<5").value().value, 5000);
  for (const char* bad : {"p99", "p99<", "p99<fast", "latency<1ms", "rps>10ms", "p99=5ms",
                          "error_rate<1ms", "p0<1ms", "p101<1ms"}) {
    EXPECT_FALSE(parse_threshold(bad)) << bad;
  }
}

TEST(Thresholds, Evaluate) {
  const LoadResult result = test::make_result(1, 1000);
  const double p99 = static_cast<double>(result.total.latency.value_at_percentile(99));
  std::vector<Threshold> thresholds;
  for (const std::string& text : std::vector<std::string>{
           "p99<" + std::to_string(p99 + 1) + "us", "p99<" + std::to_string(p99) + "us",
           "error_rate<1%", "error_rate<5%", "rps>=100", "rps>100", "predict:requests==500",
           "nothing:p50<1s", "success_rate>0.9"}) {
    thresholds.push_back(parse_threshold(text).value());
  }
  const auto outcomes = evaluate_thresholds(result, thresholds);
  const std::vector<bool> expected = {true, false, false, true, true, false, true, false, true};
  ASSERT_EQ(outcomes.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    EXPECT_EQ(outcomes[i].passed, expected[i]) << thresholds[i].text;
  }
  EXPECT_NE(outcomes[7].note.find("no endpoint named 'nothing'"), std::string::npos);
  const std::string text = format_thresholds(outcomes);
  EXPECT_NE(text.find("FAIL error_rate<1%"), std::string::npos);
  EXPECT_NE(text.find("error_rate = 2%"), std::string::npos);
}

TEST(ScheduleCheck, FlagsARunThatFellBehind) {
  LoadResult result = test::make_result(2, 1000);
  EXPECT_FALSE(check_schedule(result).behind);
  result.schedule.sent = 980;  // 98% sent
  auto verdict = check_schedule(result);
  EXPECT_TRUE(verdict.behind);
  EXPECT_NE(verdict.warning.find("every connection was busy"), std::string::npos);
  result.schedule.lag_when_connections_free = 100;
  EXPECT_NE(check_schedule(result).warning.find("ran out of CPU"), std::string::npos);
  EXPECT_TRUE(check_schedule(result).generator_late);
  EXPECT_NE(format_summary(result).find("WARNING"), std::string::npos);
  // When the hypervisor kept about that share of the machine's CPU time, its pauses explain the
  // late sends (10% here, against 12% kept): the host, not the generator's CPU.
  result.schedule.cpu = {1.0, 1, 0.12 * 2 * result.duration_s, 2};
  EXPECT_FALSE(check_schedule(result).generator_late);
  EXPECT_NE(check_schedule(result).warning.find("the host paused the generator"), std::string::npos)
      << check_schedule(result).warning;
  result.schedule.cpu = {};
  result.schedule.sent = 1000;
  result.schedule.lag_when_connections_free = 0;
  result.schedule.lag.record(200'000, 100);  // 10% of sends late by 200 ms
  EXPECT_TRUE(check_schedule(result).behind);
  result.schedule.model = "closed";
  EXPECT_FALSE(check_schedule(result).behind);
}

TEST(Summary, WarnsWhenTheHypervisorKeptAShareOfTheCpuTime) {
  LoadResult result = test::make_result(2, 1000);
  result.schedule.cpu = {1.0, 1, 0.0, 2};
  const std::string warning = "the hypervisor kept";
  EXPECT_EQ(format_summary(result).find(warning), std::string::npos);
  result.schedule.cpu.machine_steal_s = 0.12 * 2 * result.duration_s;  // 12%
  const std::string text = format_summary(result);
  EXPECT_NE(text.find("WARNING    the hypervisor kept 12% of this machine's CPU time"),
            std::string::npos)
      << text;
  result.schedule.cpu.machine_steal_s = 0.04 * 2 * result.duration_s;  // 4%: not worth a word
  EXPECT_EQ(format_summary(result).find(warning), std::string::npos);
}

TEST(ScheduleCheck, FailedConnectionsAreErrorsNotMissedSends) {
  LoadResult result = test::make_result(2, 1000);
  result.schedule.lag = make_latency_histogram();
  result.total.by_kind[kErrorConnect] = 300;  // attempted on time, refused
  result.schedule.sent = 700;
  EXPECT_FALSE(check_schedule(result).behind);
  result.schedule.sent = 500;  // and 200 more never got a connection at all
  const auto verdict = check_schedule(result);
  EXPECT_TRUE(verdict.behind);
  EXPECT_NE(verdict.warning.find("sent 800 of 1000"), std::string::npos) << verdict.warning;
  EXPECT_NE(verdict.warning.find("300 connect errors"), std::string::npos) << verdict.warning;
}

TEST(Summary, ReadsLikeAReport) {
  const std::string text = format_summary(test::make_result(3, 500));
  for (const char* part :
       {"requests   500 (490 ok, 10 failed: 10 check failed, 10 x 500)", "latency", "service",
        "p99.9", "status      200: 490  500: 10", "endpoint   predict", "schedule   open model"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << "\n" << text;
  }
}

}  // namespace
}  // namespace hone::report
