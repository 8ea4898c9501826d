#include "load/profile.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/strings.h"
#include "core/units.h"

namespace hone::load {

Result<std::vector<Stage>> parse_stages(std::string_view text) {
  std::vector<Stage> stages;
  for (const auto part : split(text, ',')) {
    const auto item = trim(part);
    const auto colon = item.find(':');
    if (colon == std::string_view::npos) {
      return fail("invalid stage '" + std::string(item) +
                  "': expected DURATION:TARGET like 30s:100");
    }
    auto duration = parse_duration(item.substr(0, colon));
    if (!duration)
      return fail("invalid stage '" + std::string(item) + "': " + duration.error().message);
    const std::string target_text(trim(item.substr(colon + 1)));
    char* end = nullptr;
    const double target = std::strtod(target_text.c_str(), &end);
    if (target_text.empty() || end != target_text.c_str() + target_text.size() || target < 0 ||
        !std::isfinite(target)) {
      return fail("invalid stage '" + std::string(item) + "': target must be a number >= 0");
    }
    stages.push_back({static_cast<double>(duration->count()) / 1e6, target});
  }
  return stages;
}

std::string stages_to_string(const std::vector<Stage>& stages) {
  std::string out;
  for (const auto& stage : stages) {
    char text[64];
    std::snprintf(text, sizeof text, "%s%gs:%g", out.empty() ? "" : ",", stage.seconds,
                  stage.target);
    out += text;
  }
  return out;
}

Profile::Profile(double start, std::vector<Stage> stages)
    : start_(start), stages_(std::move(stages)) {
  double time = 0;
  double value = start_;
  double area = 0;
  for (const auto& stage : stages_) {
    begin_.push_back(time);
    from_.push_back(value);
    cumulative_.push_back(area);
    area += (value + stage.target) / 2 * stage.seconds;
    time += stage.seconds;
    value = stage.target;
  }
  total_ = time;
  cumulative_.push_back(area);
}

Profile Profile::constant(double value, double seconds) {
  return Profile(value, {{seconds, value}});
}

double Profile::value_at(double seconds) const {
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    const double end = begin_[i] + stages_[i].seconds;
    if (seconds < end) {
      if (stages_[i].seconds <= 0) continue;
      const double f = (seconds - begin_[i]) / stages_[i].seconds;
      return from_[i] + (stages_[i].target - from_[i]) * std::max(0.0, f);
    }
  }
  return 0;
}

double Profile::max_value() const {
  double top = start_;
  for (const auto& stage : stages_) top = std::max(top, stage.target);
  return top;
}

double Profile::mean_value() const { return total_ > 0 ? cumulative_.back() / total_ : 0; }

double Profile::integral(double seconds) const {
  if (seconds <= 0) return 0;
  for (std::size_t i = 0; i < stages_.size(); ++i) {
    const double length = stages_[i].seconds;
    if (seconds < begin_[i] + length) {
      const double dt = seconds - begin_[i];
      const double slope = length > 0 ? (stages_[i].target - from_[i]) / length : 0;
      return cumulative_[i] + from_[i] * dt + slope * dt * dt / 2;
    }
  }
  return cumulative_.back();
}

double Profile::time_of(double n) const {
  if (n <= 0) return 0;
  if (n >= cumulative_.back()) return -1;
  const auto upper = std::upper_bound(cumulative_.begin(), cumulative_.end(), n);
  const std::size_t i = static_cast<std::size_t>(upper - cumulative_.begin()) - 1;
  const double length = stages_[i].seconds;
  const double a = length > 0 ? (stages_[i].target - from_[i]) / length / 2 : 0;
  const double b = from_[i];
  const double c = cumulative_[i] - n;  // solve a dt^2 + b dt + c = 0 for dt in [0, length]
  double dt = 0;
  if (c == 0) {
    dt = 0;
  } else if (std::fabs(a) < 1e-12) {
    dt = b > 0 ? -c / b : 0;
  } else {
    const double disc = std::max(0.0, b * b - 4 * a * c);
    // The numerically stable root of the two.
    dt = (2 * -c) / (b + std::sqrt(disc));
  }
  return begin_[i] + std::clamp(dt, 0.0, length);
}

Profile Profile::stretched(double seconds) const {
  if (total_ <= 0) return *this;
  const double factor = seconds / total_;
  std::vector<Stage> stages = stages_;
  for (auto& stage : stages) stage.seconds *= factor;
  return Profile(start_, std::move(stages));
}

Profile Profile::scaled(double factor) const {
  std::vector<Stage> stages = stages_;
  for (auto& stage : stages) stage.target *= factor;
  return Profile(start_ * factor, std::move(stages));
}

}  // namespace hone::load
