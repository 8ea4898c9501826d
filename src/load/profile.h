// How the load (a request rate, or a number of virtual users) changes over a run: a start
// value, then stages that move it linearly to a target over a duration ("30s:100,1m:500,30s:0").
// For rates, the profile also gives the exact intended send time of the n-th request, by
// inverting the integral of the rate (piecewise quadratic for piecewise linear rates).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace hone::load {

struct Stage {
  double seconds = 0;
  double target = 0;
};

Result<std::vector<Stage>> parse_stages(std::string_view text);
std::string stages_to_string(const std::vector<Stage>& stages);

class Profile {
 public:
  Profile() = default;
  Profile(double start, std::vector<Stage> stages);
  static Profile constant(double value, double seconds);

  double value_at(double seconds) const;  // 0 after the end
  double total_seconds() const { return total_; }
  double max_value() const;
  double mean_value() const;  // integral / total

  // Requests intended in [0, t) at the profile's rate.
  double integral(double seconds) const;
  // The time at which the integral reaches n; negative when the profile never gets there.
  // Request k (from 0) is intended at time_of(k + 0.5): evenly spaced at a constant rate.
  double time_of(double n) const;

  const std::vector<Stage>& stages() const { return stages_; }
  double start() const { return start_; }

  // Scales time so that the whole profile lasts `seconds`, and values by `factor`.
  Profile stretched(double seconds) const;
  Profile scaled(double factor) const;

 private:
  double start_ = 0;
  std::vector<Stage> stages_;
  std::vector<double> begin_;       // start time of each stage
  std::vector<double> from_;        // value at the start of each stage
  std::vector<double> cumulative_;  // integral at the start of each stage
  double total_ = 0;
};

}  // namespace hone::load
