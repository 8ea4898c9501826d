// Run comparison: A/A runs show no significant change even when latency moves in slow waves
// inside a run; a 30% slower server is "worse" with an interval around 30%; run-level statistics
// for repeated runs; --fail-on rules.
#include "analyze/compare.h"

#include <gtest/gtest.h>

#include <random>

#include "analyze/change_rules.h"
#include "run_builder.h"

namespace hone::analyze {
namespace {

// `seconds` seconds at `rps`, latencies log-normal around `median_us` times `slowdown`; every
// second's level wanders (a slow wave, so seconds close in time are alike), as real runs do.
report::LoadResult run(unsigned seed, double slowdown, int seconds = 60, int rps = 200,
                       std::vector<std::string> endpoints = {"predict"},
                       double slow_endpoint_only = -1) {
  test::RunBuilder builder(endpoints);
  std::mt19937 random(seed);
  std::normal_distribution<double> noise(0, 0.25);
  std::normal_distribution<double> step(0, 0.02);
  double level = 0;
  for (int s = 0; s < seconds; ++s) {
    level = 0.8 * level + step(random);
    for (int i = 0; i < rps; ++i) {
      const std::size_t e = static_cast<std::size_t>(i) % endpoints.size();
      const double factor =
          slow_endpoint_only < 0 || e == static_cast<std::size_t>(slow_endpoint_only) ? slowdown
                                                                                      : 1.0;
      const double us = 2000 * factor * std::exp(level + noise(random));
      builder.add(s, e, static_cast<std::int64_t>(us), i % 400 == 0);
    }
  }
  return builder.build(seconds);
}

const FigureChange& figure(const ScopeChange& scope, int f) {
  for (const auto& c : scope.figures) {
    if (c.figure == f) return c;
  }
  ADD_FAILURE() << "no figure " << figure_name(f);
  return scope.figures.front();
}

TEST(Compare, SameServerTwiceIsNoSignificantChange) {
  for (unsigned seed = 1; seed <= 5; ++seed) {
    const auto comparison = compare_runs({run(seed, 1.0)}, {run(seed + 100, 1.0)}).value();
    ASSERT_EQ(comparison.scopes.size(), 1U);
    EXPECT_EQ(comparison.only_endpoint, "predict");
    for (const auto& c : comparison.scopes[0].figures) {
      EXPECT_EQ(c.verdict, Verdict::kNoChange)
          << "seed " << seed << " " << figure_name(c.figure) << " " << c.change << " [" << c.low
          << ", " << c.high << "]";
      EXPECT_LE(c.low, c.change);
      EXPECT_GE(c.high, c.change);
    }
  }
}

TEST(Compare, ThirtyPercentSlowerIsWorse) {
  const auto comparison = compare_runs({run(1, 1.0)}, {run(2, 1.3)}).value();
  const ScopeChange& whole = comparison.scopes[0];
  for (int f : {kP50, kP90, kP99}) {
    const FigureChange& c = figure(whole, f);
    EXPECT_EQ(c.verdict, Verdict::kWorse) << figure_name(f);
    EXPECT_NEAR(c.change, 0.3, 0.12) << figure_name(f);
    EXPECT_GT(c.low, 0.05);
  }
  EXPECT_EQ(figure(whole, kRps).verdict, Verdict::kNoChange);  // the same offered rate
  // And the other way round it is better.
  const auto back = compare_runs({run(2, 1.3)}, {run(1, 1.0)}).value();
  EXPECT_EQ(figure(back.scopes[0], kP50).verdict, Verdict::kBetter);
}

TEST(Compare, EachEndpointOnItsOwn) {
  const auto comparison =
      // The same random draws on both sides: only b's latencies differ.
      compare_runs({run(1, 1.0, 60, 200, {"a", "b"})}, {run(1, 1.4, 60, 200, {"a", "b"}, 1)})
          .value();
  ASSERT_EQ(comparison.scopes.size(), 3U);
  EXPECT_EQ(comparison.scopes[1].scope, "a");
  EXPECT_EQ(figure(comparison.scopes[1], kP50).verdict, Verdict::kNoChange)
      << figure(comparison.scopes[1], kP50).change << " " << figure(comparison.scopes[1], kP50).low
      << " " << figure(comparison.scopes[1], kP50).high;
  EXPECT_EQ(comparison.scopes[2].scope, "b");
  EXPECT_EQ(figure(comparison.scopes[2], kP50).verdict, Verdict::kWorse);
}

TEST(Compare, RepeatedRunsUseRunLevelStatistics) {
  const auto same =
      compare_runs({run(1, 1.0), run(2, 1.0), run(3, 1.0)}, {run(4, 1.0), run(5, 1.0)}).value();
  EXPECT_NE(same.method.find("run level"), std::string::npos);
  EXPECT_EQ(figure(same.scopes[0], kP50).verdict, Verdict::kNoChange);
  const auto slower =
      compare_runs({run(1, 1.0), run(2, 1.0), run(3, 1.0)}, {run(4, 1.3), run(5, 1.3)}).value();
  EXPECT_EQ(figure(slower.scopes[0], kP50).verdict, Verdict::kWorse);
  const auto uneven = compare_runs({run(1, 1.0)}, {run(4, 1.0), run(5, 1.0)});
  ASSERT_FALSE(uneven);
  EXPECT_NE(uneven.error().message.find("at least two on each side"), std::string::npos);
}

TEST(ChangeRules, ParseOrSayWhy) {
  const auto rule = parse_change_rule("predict:p99>+10%").value();
  EXPECT_EQ(rule.endpoint, "predict");
  EXPECT_EQ(rule.figure, kP99);
  EXPECT_TRUE(rule.above);
  EXPECT_DOUBLE_EQ(rule.limit, 0.10);
  const auto rps = parse_change_rule("rps < -5%").value();
  EXPECT_FALSE(rps.above);
  EXPECT_DOUBLE_EQ(rps.limit, -0.05);
  EXPECT_EQ(parse_change_rule("p99.9>+1%").value().figure, kP999);
  for (const char* bad : {"p99", "p98>+1%", "p99>10", "p99>+x%", ":p99>+1%", "p99>%"}) {
    const auto parsed = parse_change_rule(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_NE(parsed.error().message.find("--fail-on"), std::string::npos);
  }
}

TEST(ChangeRules, FailOnlyOnASignificantChangeBeyondTheLimit) {
  const std::vector<ChangeRule> rules = {
      parse_change_rule("p99>+10%").value(), parse_change_rule("predict:p50>+10%").value(),
      parse_change_rule("p50>+50%").value(), parse_change_rule("nope:p50>+1%").value()};
  const auto slower = check_change_rules(compare_runs({run(1, 1.0)}, {run(2, 1.3)}).value(), rules);
  EXPECT_TRUE(slower[0].failed) << slower[0].reason;
  EXPECT_NE(slower[0].reason.find("worse"), std::string::npos);
  EXPECT_TRUE(slower[1].failed);   // the run's one endpoint is the whole run
  EXPECT_FALSE(slower[2].failed);  // worse, but not by 50%
  EXPECT_TRUE(slower[3].failed);   // a rule that cannot be checked fails, saying why
  EXPECT_NE(slower[3].reason.find("no endpoint 'nope'"), std::string::npos);
  const auto same = check_change_rules(compare_runs({run(1, 1.0)}, {run(3, 1.0)}).value(), rules);
  EXPECT_FALSE(same[0].failed) << same[0].reason;
  EXPECT_FALSE(same[1].failed);
}

}  // namespace
}  // namespace hone::analyze
