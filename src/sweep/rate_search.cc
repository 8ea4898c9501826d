#include "sweep/rate_search.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace hone::sweep {
std::string format_level(double value) {
  char text[32];
  std::snprintf(text, sizeof text, value == std::floor(value) ? "%.0f" : "%.1f", value);
  return text;
}

Result<RateSearchOutcome> search_max_rate(const RateSearchSettings& settings, const RunRate& run) {
  RateSearchOutcome out;
  // A failed run is believed only when a second run of the same rate fails too.
  const auto judge = [&run](double rate) -> Result<RateVerdict> {
    auto first = run(rate, false);
    if (!first || first->slo_met || first->generator_behind) return first;
    return run(rate, true);
  };
  // Nighthawk's way: double while the SLO holds, then halve the bracket.
  double pass = 0;
  double failing = 0;
  for (double rate = settings.start;;) {
    auto verdict = judge(rate);
    if (!verdict) return verdict.error();
    if (verdict->generator_behind) {
      out.note =
          "the generator could not offer " + format_level(rate) + " req/s: the search stops there";
      failing = rate;
      break;
    }
    if (!verdict->slo_met) {
      failing = rate;
      break;
    }
    pass = rate;
    if (rate >= settings.max) break;
    rate = std::min(rate * 2, settings.max);
  }
  for (double rate = settings.start / 2; pass == 0 && rate >= 1 && failing > 0; rate /= 2) {
    auto verdict = judge(rate);
    if (!verdict) return verdict.error();
    (verdict->slo_met ? pass : failing) = rate;
    if (rate < settings.start / 16) break;
  }
  while (pass > 0 && failing > pass && (failing - pass) / pass > settings.resolution) {
    const double mid = std::round((pass + failing) / 2);
    if (mid <= pass || mid >= failing) break;
    auto verdict = judge(mid);
    if (!verdict) return verdict.error();
    (verdict->slo_met ? pass : failing) = mid;
  }
  if (pass == 0 && out.note.empty()) out.note = "no rate tried met the SLO";
  out.passing = pass;
  return out;
}

}  // namespace hone::sweep
