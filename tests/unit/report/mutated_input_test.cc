// Seeded mutants of result files and threshold expressions: a result file either loads into a
// result that every report path (summary, thresholds, timeline, merge) can use, or fails with a
// message naming the file; thresholds parse or say why.
#include <gtest/gtest.h>

#include "report/merge.h"
#include "report/result_json.h"
#include "report/summary_text.h"
#include "report/thresholds.h"
#include "report/timeline_csv.h"
#include "result_fixture.h"
#include "support/mutator.h"

namespace hone::report {
namespace {

TEST(MutatedInput, ResultFilesLoadOrNameTheFile) {
  std::string seed;
  write_result_json(test::make_result(1, 300), seed);
  std::vector<Threshold> thresholds;
  for (const char* text : {"p99 < 100ms", "error_rate < 1%", "rps > 10", "predict:p95 < 1s"}) {
    thresholds.push_back(parse_threshold(text).value());
  }
  hone::test::Mutator mutator(17);
  int loaded = 0;
  const int rounds = hone::test::mutation_rounds(800);
  for (int i = 0; i < rounds; ++i) {
    const auto result =
        parse_result_json((i % 2 ? mutator.mutate_number(seed) : mutator.mutate(seed)), "r.json");
    if (!result) {
      EXPECT_NE(result.error().message.find("r.json"), std::string::npos) << result.error().message;
      continue;
    }
    ++loaded;
    EXPECT_FALSE(format_summary(*result).empty());
    EXPECT_EQ(evaluate_thresholds(*result, thresholds).size(), thresholds.size());
    std::string csv;
    write_timeline_csv(*result, csv);
    const auto merged = merge_results({*result, *result});
    if (!merged) {
      EXPECT_FALSE(merged.error().message.empty());
    }
  }
  EXPECT_GT(loaded, 0);
}

TEST(MutatedInput, ThresholdsParseOrSayWhy) {
  hone::test::Mutator mutator(23);
  const int rounds = hone::test::mutation_rounds(4000);
  for (int i = 0; i < rounds; ++i) {
    const auto threshold = parse_threshold(
        mutator.mutate(i % 2 ? "predict:service_p99 < 250ms" : "error_rate <= 0.5%"));
    if (!threshold) {
      EXPECT_FALSE(threshold.error().message.empty());
    }
  }
}

}  // namespace
}  // namespace hone::report
