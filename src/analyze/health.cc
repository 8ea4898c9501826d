#include "analyze/health.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analyze/findings.h"
#include "report/schedule_check.h"

namespace hone::analyze {
namespace {

double clamp01(double x) { return std::clamp(x, 0.0, 1.0); }

std::string format(const char* pattern, double a, double b = 0) {
  char text[160];
  std::snprintf(text, sizeof text, pattern, a, b);
  return text;
}

}  // namespace

HealthScore health_score(const report::LoadResult& result, const RunFacts& facts) {
  HealthScore health;
  const double error_rate = facts.requests > 0 ? facts.failed / facts.requests : 0;
  health.parts.push_back({"errors", 35, 35 * clamp01(error_rate / 0.05),
                          format("error rate %.2f%% (all 35 points at 5%%)", 100 * error_rate)});

  const double tail = facts.p50_us > 0 ? facts.p99_us / facts.p50_us : 1;
  health.parts.push_back(
      {"tail", 20, 20 * clamp01((tail - 3) / 7),
       format("p99 is %.1fx p50 (nothing below 3x, all 20 points at 10x)", tail)});

  std::vector<double> p50s;
  for (const auto& s : facts.seconds) {
    if (s.answered > 0) p50s.push_back(s.p50_us);
  }
  double cv = 0;
  if (p50s.size() >= 2) {
    double mean = 0;
    for (double v : p50s) mean += v;
    mean /= static_cast<double>(p50s.size());
    double var = 0;
    for (double v : p50s) var += (v - mean) * (v - mean);
    cv = mean > 0 ? std::sqrt(var / static_cast<double>(p50s.size() - 1)) / mean : 0;
  }
  health.parts.push_back(
      {"stability", 15, 15 * clamp01((cv - 0.1) / 0.9),
       format("per-second p50 varies by %.0f%% (coefficient of variation; nothing below 10%%, all "
              "15 points at 100%%)",
              100 * cv)});

  if (facts.open_model && facts.offered_rps > 0 && facts.duration_s > 0) {
    const double served = facts.ok / facts.duration_s / facts.offered_rps;
    health.parts.push_back(
        {"capacity", 20, 20 * clamp01((0.99 - served) / 0.49),
         format("answered %.1f%% of the offered rate successfully (nothing from 99%%, all 20 "
                "points at 50%%)",
                100 * served)});
  } else {
    health.parts.push_back(
        {"capacity", 20, 0, "a closed-model run sets no rate to keep up with: no penalty"});
  }

  const bool behind = report::check_schedule(result).behind || generator_limited(result);
  health.parts.push_back({"trust", 10, behind ? 10.0 : 0.0,
                          behind ? "the generator fell behind its schedule: all 10 points"
                                 : "the generator kept its schedule"});
  for (const auto& part : health.parts) health.score -= part.penalty;
  health.score = std::round(health.score * 10) / 10;
  return health;
}

}  // namespace hone::analyze
