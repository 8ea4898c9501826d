#include "core/hdr_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

namespace hone {
namespace {

TEST(HdrHistogram, SmallValuesAreExact) {
  HdrHistogram h;
  for (int v = 1; v <= 1000; ++v) h.record(v);
  EXPECT_EQ(h.count(), 1000);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 1000);
  EXPECT_EQ(h.value_at_percentile(50), 500);
  EXPECT_EQ(h.value_at_percentile(99), 990);
  EXPECT_EQ(h.value_at_percentile(100), 1000);
  EXPECT_DOUBLE_EQ(h.mean(), 500.5);
}

TEST(HdrHistogram, KeepsThreeSignificantDigitsOverTheRange) {
  HdrHistogram h;
  for (const std::int64_t v : {1'234LL, 98'765LL, 7'654'321LL, 3'599'999'999LL}) {
    EXPECT_LE(h.lowest_equivalent(v), v);
    EXPECT_GE(h.highest_equivalent(v), v);
    const double width = static_cast<double>(h.highest_equivalent(v) - h.lowest_equivalent(v) + 1);
    EXPECT_LE(width / static_cast<double>(v), 1e-3) << v;
  }
}

TEST(HdrHistogram, PercentilesMatchSortedData) {
  std::mt19937 engine(7);
  std::lognormal_distribution<double> latency(7, 1.2);  // ~1 ms median, long tail
  std::vector<std::int64_t> values;
  HdrHistogram h;
  for (int i = 0; i < 100'000; ++i) {
    const auto v = std::max<std::int64_t>(1, static_cast<std::int64_t>(latency(engine)));
    values.push_back(v);
    h.record(v);
  }
  std::sort(values.begin(), values.end());
  for (const double p : {50.0, 90.0, 99.0, 99.9}) {
    const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * values.size())) - 1;
    const auto exact = static_cast<double>(values[rank]);
    EXPECT_NEAR(static_cast<double>(h.value_at_percentile(p)), exact, exact * 1e-3 + 1) << p;
  }
}

TEST(HdrHistogram, ClampsOutOfRangeValues) {
  HdrHistogram h(1, 1000, 2);
  h.record(0);
  h.record(5000);
  EXPECT_EQ(h.count(), 2);
  EXPECT_EQ(h.clamped(), 2);
  EXPECT_EQ(h.min(), 1);
  EXPECT_EQ(h.max(), 1000);
}

TEST(HdrHistogram, MergeAndSparseRoundTripAreExact) {
  HdrHistogram a;
  HdrHistogram b;
  std::mt19937 engine(3);
  std::uniform_int_distribution<std::int64_t> value(1, 5'000'000);
  for (int i = 0; i < 5000; ++i) a.record(value(engine));
  for (int i = 0; i < 7000; ++i) b.record(value(engine));
  HdrHistogram merged = a;
  ASSERT_TRUE(merged.add(b));
  auto back = HdrHistogram::from_sparse(merged.to_sparse()).value();
  EXPECT_EQ(back.count(), 12000);
  for (const double p : {1.0, 50.0, 99.0, 99.99}) {
    EXPECT_EQ(back.value_at_percentile(p), merged.value_at_percentile(p));
  }
  EXPECT_EQ(back.min(), merged.min());
  EXPECT_EQ(back.max(), merged.max());
  EXPECT_DOUBLE_EQ(back.mean(), merged.mean());
  EXPECT_FALSE(merged.add(HdrHistogram(1, 1000, 2)));
}

TEST(HdrHistogram, SparseMergeEqualsHistogramMerge) {
  HdrHistogram a(1, 3'600'000'000, 2);
  HdrHistogram b(1, 3'600'000'000, 2);
  for (int v = 1; v < 5000; v += 7) a.record(v * 13);
  for (int v = 1; v < 9000; v += 5) b.record(v * 3);
  HdrHistogram::Sparse sparse;
  HdrHistogram::merge_sparse(sparse, a.to_sparse());
  HdrHistogram::merge_sparse(sparse, b.to_sparse());
  ASSERT_TRUE(a.add(b));
  const auto merged = HdrHistogram::from_sparse(sparse).value();
  EXPECT_EQ(merged.count(), a.count());
  EXPECT_EQ(merged.value_at_percentile(99), a.value_at_percentile(99));
  EXPECT_EQ(merged.min(), a.min());
  EXPECT_EQ(merged.max(), a.max());
}

TEST(HdrHistogram, SparseInputIsValidated) {
  HdrHistogram::Sparse bad;
  bad.highest = 3'600'000'000;
  bad.counts = {{99'999'999, 1}};
  EXPECT_FALSE(HdrHistogram::from_sparse(bad));
  bad.highest = 0;
  EXPECT_FALSE(HdrHistogram::from_sparse(bad));
  // Layouts whose arithmetic would overflow (2 * lowest used to wrap and pass).
  HdrHistogram::Sparse huge;
  huge.lowest = INT64_MAX;
  huge.highest = 3'600'000'000;
  EXPECT_FALSE(HdrHistogram::from_sparse(huge));
  huge.lowest = 1;
  huge.highest = INT64_MAX;
  EXPECT_FALSE(HdrHistogram::from_sparse(huge));
  // Counts that would overflow the total.
  HdrHistogram::Sparse many;
  many.highest = 1000;
  many.counts = {{1, INT64_MAX}, {2, 1}};
  EXPECT_FALSE(HdrHistogram::from_sparse(many));
}

}  // namespace
}  // namespace hone
