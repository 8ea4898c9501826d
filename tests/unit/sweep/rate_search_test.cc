// The max-rate search against a fake server of known capacity: it doubles, bisects to the
// resolution, runs a failed rate once more before believing it, and stops where the generator
// could not keep up.
#include "sweep/rate_search.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace hone::sweep {
namespace {

struct FakeServer {
  double capacity = 454;
  std::set<double> fails_once;  // rates whose first run fails (a pause of the machine)
  double generator_limit = 1e9;
  std::vector<std::pair<double, bool>> runs;  // (rate, again)

  RunRate runner() {
    return [this](double rate, bool again) -> Result<RateVerdict> {
      runs.emplace_back(rate, again);
      RateVerdict verdict;
      verdict.generator_behind = rate > generator_limit;
      verdict.slo_met =
          !verdict.generator_behind && rate < capacity && !(fails_once.count(rate) > 0 && !again);
      return verdict;
    };
  }
};

TEST(RateSearch, DoublesThenBisectsToTheResolution) {
  FakeServer server;
  const auto found = search_max_rate({200, 1e6, 0.1}, server.runner()).value();
  EXPECT_LE(found.passing, 454);
  EXPECT_GE(found.passing * 1.1, 454);
  EXPECT_TRUE(found.note.empty());
  // 200, 400 pass; 800 fails twice (believed), then bisection.
  ASSERT_GE(server.runs.size(), 4U);
  EXPECT_EQ(server.runs[2], std::make_pair(800.0, false));
  EXPECT_EQ(server.runs[3], std::make_pair(800.0, true));
}

TEST(RateSearch, AFailedRunIsRunOnceMoreBeforeItIsBelieved) {
  FakeServer server;
  server.fails_once = {400};  // below capacity, failed by a pause
  const auto found = search_max_rate({200, 1e6, 0.1}, server.runner()).value();
  EXPECT_GE(found.passing * 1.1, 454) << "one pause stopped the search low";
  EXPECT_EQ(server.runs[1], std::make_pair(400.0, false));
  EXPECT_EQ(server.runs[2], std::make_pair(400.0, true));
  // A rate that passes is run once.
  EXPECT_EQ(server.runs[0], std::make_pair(200.0, false));
  EXPECT_EQ(server.runs[3].second, false);
}

TEST(RateSearch, HalvesWhenTheStartFails) {
  FakeServer server;
  server.capacity = 30;
  const auto found = search_max_rate({200, 1e6, 0.1}, server.runner()).value();
  EXPECT_LT(found.passing, 30);
  EXPECT_GE(found.passing * 1.1, 30);
}

TEST(RateSearch, NothingMeetsTheSlo) {
  FakeServer server;
  server.capacity = 0;
  const auto found = search_max_rate({200, 1e6, 0.1}, server.runner()).value();
  EXPECT_EQ(found.passing, 0);
  EXPECT_EQ(found.note, "no rate tried met the SLO");
}

TEST(RateSearch, AGeneratorThatFallsBehindEndsTheSearchThereWithoutARerun) {
  FakeServer server;
  server.generator_limit = 500;
  const auto found = search_max_rate({200, 1e6, 0.1}, server.runner()).value();
  EXPECT_EQ(found.note, "the generator could not offer 800 req/s: the search stops there");
  for (const auto& [rate, again] : server.runs) EXPECT_FALSE(rate == 800 && again);
  EXPECT_GE(found.passing * 1.1, 454);
}

TEST(RateSearch, AnErrorStopsTheSearch) {
  const RunRate broken = [](double, bool) -> Result<RateVerdict> { return fail("cannot connect"); };
  EXPECT_FALSE(search_max_rate({200, 1e6, 0.1}, broken));
}

}  // namespace
}  // namespace hone::sweep
