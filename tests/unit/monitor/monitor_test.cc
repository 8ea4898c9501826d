#include <gtest/gtest.h>

#include <filesystem>
#include <random>
#include <thread>

#include "monitor/alerts.h"
#include "monitor/log_histogram.h"
#include "monitor/prometheus.h"
#include "monitor/system_sampler.h"
#include "support/mutator.h"
#include "support/temp_dir.h"

namespace hone::monitor {
namespace {

TEST(LogHistogram, BucketsKeepValuesWithinAnEighth) {
  for (const std::uint64_t v :
       {0ULL, 1ULL, 7ULL, 8ULL, 15ULL, 16ULL, 17ULL, 1000ULL, 123456ULL, 1ULL << 35}) {
    const int b = LogHistogram::bucket_of(v);
    EXPECT_LE(LogHistogram::lower_bound(b), v) << v;
    EXPECT_GE(LogHistogram::upper_bound(b), v) << v;
    if (v >= 8) {
      EXPECT_LE(static_cast<double>(LogHistogram::upper_bound(b) - LogHistogram::lower_bound(b)),
                0.125 * static_cast<double>(v) + 1)
          << v;
    }
  }
  // Powers of two start buckets, so exported le bounds are exact.
  for (int k = 3; k < 30; ++k) {
    EXPECT_EQ(LogHistogram::lower_bound(LogHistogram::bucket_of(1ULL << k)), 1ULL << k);
  }
}

TEST(LogHistogram, CountsAndPercentilesAcrossThreads) {
  LogHistogram h;
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (std::uint64_t v = 1; v <= 10000; ++v) h.record(v);
    });
  }
  for (auto& thread : threads) thread.join();
  const auto s = h.snapshot();
  EXPECT_EQ(s.count, 40000U);
  EXPECT_EQ(s.sum, 4U * 10000 * 10001 / 2);
  EXPECT_NEAR(s.percentile(50), 5000, 5000 * 0.07);
  EXPECT_NEAR(s.percentile(99), 9900, 9900 * 0.07);
  EXPECT_EQ(s.count_at_most(1023), 4U * 1023);
  const auto later = h.snapshot();
  EXPECT_EQ(later.minus(s).count, 0U);
}

TEST(PromWriter, WritesFamiliesSamplesAndCumulativeHistograms) {
  LogHistogram h;
  for (const std::uint64_t us : {100ULL, 200ULL, 3000ULL}) h.record(us);
  std::string text;
  PromWriter w(text);
  w.family("hone_x_total", "counter", "An x.");
  w.sample("hone_x_total", {{"model", "a\"b"}}, 3);
  w.family("hone_t_seconds", "histogram", "A time.");
  w.histogram("hone_t_seconds", {{"model", "m"}}, h.snapshot(), 1e6, 4096);
  EXPECT_NE(text.find("# TYPE hone_x_total counter\n"), std::string::npos);
  EXPECT_NE(text.find("hone_x_total{model=\"a\\\"b\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("hone_t_seconds_bucket{model=\"m\",le=\"0.000128\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("hone_t_seconds_bucket{model=\"m\",le=\"0.000256\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("hone_t_seconds_bucket{model=\"m\",le=\"+Inf\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("hone_t_seconds_sum{model=\"m\"} 0.0033\n"), std::string::npos);
  EXPECT_NE(text.find("hone_t_seconds_count{model=\"m\"} 3\n"), std::string::npos);
}

Second second_at(std::int64_t t, double p99_ms, std::int64_t requests = 100,
                 std::int64_t failures = 0) {
  Second s;
  s.time = t;
  s.requests = requests;
  s.failures = failures;
  s.p99_ms = p99_ms;
  return s;
}

TEST(Alerts, ParseRules) {
  auto p99 = parse_alert_rule("p99_ms > 100 for 30s").value();
  EXPECT_EQ(p99.metric, "p99_ms");
  EXPECT_DOUBLE_EQ(p99.threshold, 100);
  EXPECT_EQ(p99.for_seconds, 30);
  EXPECT_DOUBLE_EQ(parse_alert_rule("error_rate > 5%").value().threshold, 0.05);
  EXPECT_DOUBLE_EQ(parse_alert_rule("p95_ms >= 0.5s").value().threshold, 500);
  auto cpu = parse_alert_rule("cpu > 80% for 1m").value();
  EXPECT_DOUBLE_EQ(cpu.threshold, 80);
  EXPECT_EQ(cpu.for_seconds, 60);
  EXPECT_EQ(parse_alert_rule("cache_hit_rate < 50%").value().op, "<");
  for (const char* bad :
       {"p99 > 1", "latency > 5ms", "rps > fast", "cpu > 80 for ever", "error_rate > 5ms"}) {
    EXPECT_FALSE(parse_alert_rule(bad)) << bad;
  }
}

TEST(Alerts, MutatedRulesParseOrSayWhy) {
  hone::test::Mutator mutator(41);
  int parsed = 0;
  const int rounds = hone::test::mutation_rounds(4000);
  for (int i = 0; i < rounds; ++i) {
    const auto rule =
        parse_alert_rule(mutator.mutate(i % 2 ? "p99_ms > 100 for 30s" : "error_rate > 5%"));
    if (rule) {
      ++parsed;
      EXPECT_FALSE(rule->metric.empty());
      EXPECT_GE(rule->for_seconds, 0);
    } else {
      EXPECT_FALSE(rule.error().message.empty());
    }
  }
  EXPECT_GT(parsed, 0);
}

TEST(Alerts, PendingFiringResolvedOnTheSecondsFedIn) {
  AlertEngine engine({parse_alert_rule("p99_ms > 100 for 30s").value(),
                      parse_alert_rule("error_rate > 5%").value()});
  std::vector<AlertEvent> events;
  engine.set_listener([&events](const AlertEvent& e) { events.push_back(e); });
  engine.evaluate(second_at(1000, 150));
  EXPECT_EQ(engine.states()[0].status, AlertStatus::kPending);
  for (std::int64_t t = 1001; t < 1030; ++t) engine.evaluate(second_at(t, 150));
  EXPECT_EQ(engine.states()[0].status, AlertStatus::kPending);
  engine.evaluate(second_at(1030, 150));  // 30 s after it began
  EXPECT_EQ(engine.states()[0].status, AlertStatus::kFiring);
  EXPECT_EQ(engine.firing(), 1);
  ASSERT_EQ(events.size(), 1U);
  EXPECT_EQ(events[0].state.status, AlertStatus::kFiring);
  EXPECT_EQ(events[0].state.since, 1000);
  engine.evaluate(second_at(1031, 50, 100, 10));  // latency fine; errors 10%
  EXPECT_EQ(engine.states()[0].status, AlertStatus::kResolved);
  EXPECT_EQ(engine.states()[0].resolved_at, 1031);
  EXPECT_EQ(engine.states()[1].status, AlertStatus::kFiring);  // no "for": at once
  ASSERT_EQ(events.size(), 3U);
  // A pending rule that stops holding goes back to inactive without an event.
  engine.evaluate(second_at(1032, 150));
  engine.evaluate(second_at(1033, 50));
  EXPECT_EQ(engine.states()[0].status, AlertStatus::kInactive);
  // No traffic: no verdict on latency.
  engine.evaluate(second_at(1034, 0, 0));
  EXPECT_EQ(engine.states()[1].status, AlertStatus::kResolved);
  std::string json;
  write_alerts_json(engine.states(), json);
  EXPECT_NE(json.find("\"state\":\"resolved\""), std::string::npos);
}

TEST(Alerts, SystemAndCacheRules) {
  AlertEngine engine({parse_alert_rule("memory > 85%").value(),
                      parse_alert_rule("cache_hit_rate < 50%").value(),
                      parse_alert_rule("cpu > 80% for 2s").value()});
  Second s = second_at(5, 1);
  s.system.memory_percent = 90;
  s.system.process_cpu_percent = 95;
  s.cache_hits = 1;
  s.cache_misses = 3;
  s.cache_hit_rate = 0.25;
  engine.evaluate(s);
  s.time = 7;
  engine.evaluate(s);
  const auto states = engine.states();
  EXPECT_EQ(states[0].status, AlertStatus::kFiring);
  EXPECT_EQ(states[1].status, AlertStatus::kFiring);
  EXPECT_EQ(states[2].status, AlertStatus::kFiring);
}

TEST(SystemSampler, ReadsProcAndComputesRates) {
  test::TempDir proc;
  const auto write_all = [&](std::int64_t utime, std::int64_t busy, std::int64_t rx,
                             std::int64_t read_bytes) {
    proc.write("self/stat",
               "123 (hone serve) S 1 2 3 4 5 6 7 8 9 10 " + std::to_string(utime) + " 0 0 0\n");
    proc.write("stat", "cpu  " + std::to_string(busy) + " 0 0 " + std::to_string(8000 + busy) +
                           " 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\ncpu1 1 0 0 1 0 0 0 0 0 0\n");
    proc.write("self/status", "Name: hone\nVmRSS:\t  2048 kB\nThreads:\t7\n");
    proc.write("meminfo",
               "MemTotal:       1000000 kB\nMemFree: 1 kB\nMemAvailable:    250000 kB\n");
    proc.write("self/io",
               "rchar: 1\nread_bytes: " + std::to_string(read_bytes) + "\nwrite_bytes: 0\n");
    proc.write(
        "net/dev",
        "Inter-|   Receive\n face |bytes\n    lo: 999 0 0 0 0 0 0 0 999 0 0 0 0 0 0 0\n  eth0: " +
            std::to_string(rx) + " 0 0 0 0 0 0 0 50 0 0 0 0 0 0 0\n");
    proc.write("self/fd/0", "");
    proc.write("self/fd/1", "");
  };
  SystemSampler sampler(proc.path().string(), "self");
  const auto start = std::chrono::steady_clock::now();
  write_all(100, 1000, 1000, 0);
  sampler.sample(start);
  write_all(150, 1500, 3000, 4096);  // +50 ticks (0.5 s of CPU at 100 Hz) over 1 s
  const auto s = sampler.sample(start + std::chrono::seconds(1));
  EXPECT_NEAR(s.process_cpu_percent, 50.0 * 100.0 / static_cast<double>(sysconf(_SC_CLK_TCK)),
              1e-6);
  EXPECT_NEAR(s.machine_cpu_percent, 50, 1e-6);  // busy and idle both rose by 500 ticks
  EXPECT_EQ(s.rss_bytes, 2048 * 1024);
  EXPECT_EQ(s.threads, 7);
  EXPECT_NEAR(s.memory_percent, 75, 1e-9);
  EXPECT_EQ(s.open_files, 2);
  EXPECT_NEAR(s.net_rx_bytes_per_s, 2000, 1e-9);  // loopback left out
  EXPECT_NEAR(s.disk_read_bytes_per_s, 4096, 1e-9);
  EXPECT_EQ(s.cores, 2);
}

}  // namespace
}  // namespace hone::monitor
