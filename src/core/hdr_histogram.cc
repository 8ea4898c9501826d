#include "core/hdr_histogram.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstdlib>

namespace hone {
namespace {

int log2_floor(std::uint64_t value) { return 63 - std::countl_zero(value); }

// Layouts whose bucket arithmetic stays inside 64 bits: lowest up to 2^32, highest up to 2^62.
bool valid_layout(std::int64_t lowest, std::int64_t highest, int significant_digits) {
  return lowest >= 1 && lowest <= (std::int64_t{1} << 32) && highest / 2 >= lowest &&
         highest <= (std::int64_t{1} << 62) && significant_digits >= 1 && significant_digits <= 5;
}

}  // namespace

HdrHistogram::HdrHistogram(std::int64_t lowest, std::int64_t highest, int significant_digits)
    : lowest_(lowest), highest_(highest), digits_(significant_digits) {
  if (!valid_layout(lowest, highest, significant_digits)) {
    std::abort();  // a layout is chosen in code, or checked first (from_sparse)
  }
  // Values up to 2 * 10^digits must be recorded with unit resolution.
  std::int64_t single_unit_limit = 2;
  for (int i = 0; i < significant_digits; ++i) single_unit_limit *= 10;
  const int sub_bucket_count_magnitude =
      static_cast<int>(std::ceil(std::log2(static_cast<double>(single_unit_limit))));
  sub_bucket_half_count_magnitude_ = std::max(sub_bucket_count_magnitude, 1) - 1;
  unit_magnitude_ = log2_floor(static_cast<std::uint64_t>(lowest));
  sub_bucket_count_ = std::int64_t{1} << (sub_bucket_half_count_magnitude_ + 1);
  sub_bucket_half_count_ = sub_bucket_count_ / 2;
  sub_bucket_mask_ = (sub_bucket_count_ - 1) << unit_magnitude_;
  // Buckets needed so that the top one covers `highest`.
  std::int64_t smallest_untrackable = sub_bucket_count_ << unit_magnitude_;
  int buckets = 1;
  while (smallest_untrackable <= highest) {
    if (smallest_untrackable > INT64_MAX / 2) {
      ++buckets;
      break;
    }
    smallest_untrackable <<= 1;
    ++buckets;
  }
  bucket_count_ = buckets;
  counts_.assign(static_cast<std::size_t>((bucket_count_ + 1) * sub_bucket_half_count_), 0);
}

std::size_t HdrHistogram::index_of(std::int64_t value) const {
  const auto v = static_cast<std::uint64_t>(value | sub_bucket_mask_);
  const int pow2_ceiling = 64 - std::countl_zero(v);
  const int bucket = pow2_ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
  const std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  const std::int64_t index =
      (static_cast<std::int64_t>(bucket + 1) << sub_bucket_half_count_magnitude_) +
      (sub_bucket - sub_bucket_half_count_);
  return static_cast<std::size_t>(index);
}

std::int64_t HdrHistogram::value_at_index(std::size_t index) const {
  std::int64_t bucket = (static_cast<std::int64_t>(index) >> sub_bucket_half_count_magnitude_) - 1;
  std::int64_t sub_bucket =
      (static_cast<std::int64_t>(index) & (sub_bucket_half_count_ - 1)) + sub_bucket_half_count_;
  if (bucket < 0) {
    sub_bucket -= sub_bucket_half_count_;
    bucket = 0;
  }
  return sub_bucket << (bucket + unit_magnitude_);
}

std::int64_t HdrHistogram::equivalent_range(std::int64_t value) const {
  const auto v = static_cast<std::uint64_t>(value | sub_bucket_mask_);
  const int pow2_ceiling = 64 - std::countl_zero(v);
  const int bucket = pow2_ceiling - unit_magnitude_ - (sub_bucket_half_count_magnitude_ + 1);
  const std::int64_t sub_bucket = value >> (bucket + unit_magnitude_);
  const int adjusted = sub_bucket >= sub_bucket_count_ ? bucket + 1 : bucket;
  return std::int64_t{1} << (unit_magnitude_ + adjusted);
}

std::int64_t HdrHistogram::lowest_equivalent(std::int64_t value) const {
  return value_at_index(index_of(value));
}

std::int64_t HdrHistogram::highest_equivalent(std::int64_t value) const {
  return lowest_equivalent(value) + equivalent_range(value) - 1;
}

void HdrHistogram::record(std::int64_t value, std::int64_t count) {
  if (value < lowest_ || value > highest_) {
    value = std::clamp(value, lowest_, highest_);
    clamped_ += count;
  }
  counts_[index_of(value)] += count;
  total_ += count;
  min_ = std::min(min_, value);
  max_ = std::max(max_, value);
  const auto v = static_cast<double>(value);
  sum_ += v * static_cast<double>(count);
  sum_of_squares_ += v * v * static_cast<double>(count);
}

bool HdrHistogram::add(const HdrHistogram& other) {
  if (other.lowest_ != lowest_ || other.highest_ != highest_ || other.digits_ != digits_) {
    return false;
  }
  for (std::size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  total_ += other.total_;
  clamped_ += other.clamped_;
  if (other.total_ > 0) {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  sum_ += other.sum_;
  sum_of_squares_ += other.sum_of_squares_;
  return true;
}

void HdrHistogram::reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  total_ = 0;
  clamped_ = 0;
  min_ = INT64_MAX;
  max_ = 0;
  sum_ = 0;
  sum_of_squares_ = 0;
}

std::int64_t HdrHistogram::min() const { return total_ == 0 ? 0 : min_; }
std::int64_t HdrHistogram::max() const { return total_ == 0 ? 0 : max_; }

double HdrHistogram::mean() const { return total_ == 0 ? 0 : sum_ / static_cast<double>(total_); }

double HdrHistogram::stddev() const {
  if (total_ == 0) return 0;
  const double mean_value = mean();
  const double variance = sum_of_squares_ / static_cast<double>(total_) - mean_value * mean_value;
  return variance > 0 ? std::sqrt(variance) : 0;
}

std::int64_t HdrHistogram::value_at_percentile(double percentile) const {
  if (total_ == 0) return 0;
  percentile = std::clamp(percentile, 0.0, 100.0);
  const auto wanted = std::max<std::int64_t>(
      1, static_cast<std::int64_t>(std::ceil(percentile / 100.0 * static_cast<double>(total_))));
  std::int64_t seen = 0;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen >= wanted) {
      // Never report beyond what was recorded: the top bucket's range can exceed the max.
      return std::min(highest_equivalent(value_at_index(i)), max_);
    }
  }
  return max_;
}

HdrHistogram::Sparse HdrHistogram::to_sparse() const {
  Sparse sparse;
  sparse.lowest = lowest_;
  sparse.highest = highest_;
  sparse.significant_digits = digits_;
  for (std::size_t i = 0; i < counts_.size(); ++i) {
    if (counts_[i] != 0) sparse.counts.emplace_back(static_cast<std::uint32_t>(i), counts_[i]);
  }
  sparse.min = min();
  sparse.max = max();
  sparse.sum = sum_;
  sparse.sum_of_squares = sum_of_squares_;
  sparse.clamped = clamped_;
  return sparse;
}

void HdrHistogram::merge_sparse(Sparse& into, const Sparse& from) {
  if (from.counts.empty()) return;
  if (into.counts.empty()) {
    into = from;
    return;
  }
  std::vector<std::pair<std::uint32_t, std::int64_t>> merged;
  merged.reserve(into.counts.size() + from.counts.size());
  std::size_t a = 0;
  std::size_t b = 0;
  while (a < into.counts.size() || b < from.counts.size()) {
    if (b == from.counts.size() ||
        (a < into.counts.size() && into.counts[a].first < from.counts[b].first)) {
      merged.push_back(into.counts[a++]);
    } else if (a == into.counts.size() || from.counts[b].first < into.counts[a].first) {
      merged.push_back(from.counts[b++]);
    } else {
      merged.emplace_back(into.counts[a].first, into.counts[a].second + from.counts[b].second);
      ++a;
      ++b;
    }
  }
  into.counts = std::move(merged);
  into.min = std::min(into.min, from.min);
  into.max = std::max(into.max, from.max);
  into.sum += from.sum;
  into.sum_of_squares += from.sum_of_squares;
  into.clamped += from.clamped;
}

Result<HdrHistogram> HdrHistogram::from_sparse(const Sparse& sparse) {
  if (!valid_layout(sparse.lowest, sparse.highest, sparse.significant_digits)) {
    return fail("histogram has an invalid layout");
  }
  HdrHistogram histogram(sparse.lowest, sparse.highest, sparse.significant_digits);
  for (const auto& [index, count] : sparse.counts) {
    if (index >= histogram.counts_.size() || count < 0) {
      return fail("histogram bucket " + std::to_string(index) + " is out of range");
    }
    if (count > INT64_MAX - histogram.total_) return fail("histogram counts overflow");
    histogram.counts_[index] += count;
    histogram.total_ += count;
  }
  if (histogram.total_ > 0) {
    histogram.min_ = sparse.min;
    histogram.max_ = sparse.max;
  }
  histogram.sum_ = sparse.sum;
  histogram.sum_of_squares_ = sparse.sum_of_squares;
  histogram.clamped_ = sparse.clamped;
  return histogram;
}

}  // namespace hone
