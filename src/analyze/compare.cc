#include "analyze/compare.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <set>

namespace hone::analyze {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double change_of(int figure, double base, double next) {
  if (figure == kErrorRate) return next - base;
  return base > 0 ? next / base - 1 : kNaN;
}

Verdict verdict_of(int figure, double change, double low, double high,
                   const CompareOptions& options) {
  const double least = figure == kErrorRate ? options.min_error_change : options.min_change;
  const bool up = low > 0 && change >= least;
  const bool down = high < 0 && change <= -least;
  if (!up && !down) return Verdict::kNoChange;
  return up == lower_is_better(figure) ? Verdict::kWorse : Verdict::kBetter;
}

double quantile(std::vector<double> values, double q) {
  values.erase(std::remove_if(values.begin(), values.end(), [](double v) { return std::isnan(v); }),
               values.end());
  if (values.empty()) return kNaN;
  std::sort(values.begin(), values.end());
  const double at = q * static_cast<double>(values.size() - 1);
  const auto low = static_cast<std::size_t>(std::floor(at));
  const auto high = std::min(low + 1, values.size() - 1);
  return values[low] + (values[high] - values[low]) * (at - static_cast<double>(low));
}

// Indices of a moving-block resample of n seconds.
void block_resample(std::size_t n, std::size_t block, std::mt19937_64& random,
                    std::vector<std::size_t>& picks) {
  picks.clear();
  std::uniform_int_distribution<std::size_t> start(0, n - block);
  while (picks.size() < n) {
    const std::size_t first = start(random);
    for (std::size_t i = 0; i < block && picks.size() < n; ++i) picks.push_back(first + i);
  }
}

// About the cube root of the run's length, longer when neighbouring seconds are alike: twice the
// integrated autocorrelation time of an AR(1) with the measured lag-1 correlation, so that a
// block spans a slow wave; at most a quarter of the run, so that resamples still differ.
std::size_t block_length(std::size_t n, double rho) {
  if (n == 0) return 1;
  const double wave = 2 * (1 + rho) / (1 - rho);
  const double length = std::max(std::cbrt(static_cast<double>(n)), rho > 0.1 ? wave : 0.0);
  const std::size_t most = std::max<std::size_t>(1, n / 4);
  return std::clamp<std::size_t>(static_cast<std::size_t>(std::lround(length)), 1, most);
}

ScopeChange bootstrap_scope(const report::LoadResult& base, const report::LoadResult& next,
                            const std::string& scope, const CompareOptions& options) {
  const SecondSeries a(report::seconds_of(base, scope));
  const SecondSeries b(report::seconds_of(next, scope));
  const Figures point_a = summary_figures(base, scope);
  const Figures point_b = summary_figures(next, scope);
  const Figures series_a = a.figures(a.all());
  const Figures series_b = b.figures(b.all());
  std::array<std::vector<double>, kFigureCount> draws;
  std::mt19937_64 random(options.seed);
  std::vector<std::size_t> picks_a;
  std::vector<std::size_t> picks_b;
  if (a.size() > 0 && b.size() > 0) {
    const std::size_t block_a = block_length(a.size(), a.lag1_autocorrelation());
    const std::size_t block_b = block_length(b.size(), b.lag1_autocorrelation());
    for (int r = 0; r < options.resamples; ++r) {
      block_resample(a.size(), block_a, random, picks_a);
      block_resample(b.size(), block_b, random, picks_b);
      const Figures fa = a.figures(picks_a);
      const Figures fb = b.figures(picks_b);
      for (int f = 0; f < kFigureCount; ++f) draws[f].push_back(change_of(f, fa[f], fb[f]));
    }
  }
  ScopeChange out{scope, {}};
  for (int f = 0; f < kFigureCount; ++f) {
    FigureChange c;
    c.figure = f;
    c.base = point_a[f];
    c.next = point_b[f];
    c.change = change_of(f, c.base, c.next);
    if (std::isnan(c.change)) continue;
    // The interval of the per-second estimate, moved onto the exact one ("basic" shift): the
    // summary's 3-digit histograms are finer than the per-second 2-digit ones.
    const double centre = change_of(f, series_a[f], series_b[f]);
    const double shift = std::isnan(centre) ? 0 : c.change - centre;
    c.low = quantile(draws[f], 0.025) + shift;
    c.high = quantile(draws[f], 0.975) + shift;
    if (std::isnan(c.low) || std::isnan(c.high)) c.low = c.high = c.change;
    c.verdict = verdict_of(f, c.change, c.low, c.high, options);
    out.figures.push_back(c);
  }
  return out;
}

// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom.
double t_quantile(double df) {
  static const double kTable[] = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306,
                                  2.262,  2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
                                  2.110,  2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064,
                                  2.060,  2.056, 2.052, 2.048, 2.045, 2.042};
  if (df < 1) return kTable[0];
  if (df <= 30) {
    const auto low = static_cast<std::size_t>(std::floor(df));
    const double frac = df - static_cast<double>(low);
    const double high_value = low < 30 ? kTable[low] : kTable[29];
    return kTable[low - 1] + (high_value - kTable[low - 1]) * frac;
  }
  return 1.96 + 2.4 / df;
}

ScopeChange run_level_scope(const std::vector<report::LoadResult>& base,
                            const std::vector<report::LoadResult>& next, const std::string& scope,
                            const CompareOptions& options) {
  ScopeChange out{scope, {}};
  for (int f = 0; f < kFigureCount; ++f) {
    const auto values = [&](const std::vector<report::LoadResult>& runs) {
      std::vector<double> v;
      for (const auto& run : runs) v.push_back(summary_figures(run, scope)[f]);
      return v;
    };
    const std::vector<double> a = values(base);
    const std::vector<double> b = values(next);
    const auto undefined = [](double v) { return std::isnan(v); };
    if (std::any_of(a.begin(), a.end(), undefined) || std::any_of(b.begin(), b.end(), undefined))
      continue;
    const auto mean = [](const std::vector<double>& v) {
      double sum = 0;
      for (double x : v) sum += x;
      return sum / static_cast<double>(v.size());
    };
    const auto variance = [](const std::vector<double>& v, double m) {
      double sum = 0;
      for (double x : v) sum += (x - m) * (x - m);
      return sum / static_cast<double>(v.size() - 1);
    };
    const double ma = mean(a);
    const double mb = mean(b);
    const double qa = variance(a, ma) / static_cast<double>(a.size());
    const double qb = variance(b, mb) / static_cast<double>(b.size());
    const double se = std::sqrt(qa + qb);
    const double df = se > 0 ? (qa + qb) * (qa + qb) /
                                   (qa * qa / static_cast<double>(a.size() - 1) +
                                    qb * qb / static_cast<double>(b.size() - 1))
                             : 1e9;
    FigureChange c;
    c.figure = f;
    c.base = ma;
    c.next = mb;
    c.change = change_of(f, ma, mb);
    if (std::isnan(c.change)) continue;
    const double half = t_quantile(df) * se;
    const double scale = f == kErrorRate ? 1.0 : 1.0 / ma;  // relative to BASE's mean
    c.low = (mb - ma - half) * scale;
    c.high = (mb - ma + half) * scale;
    c.verdict = verdict_of(f, c.change, c.low, c.high, options);
    out.figures.push_back(c);
  }
  return out;
}

std::set<std::string> endpoint_names(const std::vector<report::LoadResult>& runs) {
  std::set<std::string> names;
  for (const auto& e : runs.front().endpoints) names.insert(e.name);
  for (const auto& run : runs) {
    std::set<std::string> own;
    for (const auto& e : run.endpoints) own.insert(e.name);
    std::set<std::string> both;
    std::set_intersection(names.begin(), names.end(), own.begin(), own.end(),
                          std::inserter(both, both.begin()));
    names = std::move(both);
  }
  return names;
}

}  // namespace

const char* verdict_name(Verdict verdict) {
  switch (verdict) {
    case Verdict::kBetter:
      return "better";
    case Verdict::kWorse:
      return "worse";
    case Verdict::kNoChange:
      break;
  }
  return "no significant change";
}

Result<Comparison> compare_runs(const std::vector<report::LoadResult>& base,
                                const std::vector<report::LoadResult>& next,
                                const CompareOptions& options) {
  if (base.empty() || next.empty()) return fail("compare needs runs on both sides");
  const bool single = base.size() == 1 && next.size() == 1;
  if (!single && (base.size() < 2 || next.size() < 2)) {
    return fail("give one run on each side, or at least two on each side (" +
                std::to_string(base.size()) + " and " + std::to_string(next.size()) + " given)");
  }
  Comparison out;
  if (single) {
    const SecondSeries a(report::seconds_of(base.front(), ""));
    const SecondSeries b(report::seconds_of(next.front(), ""));
    out.method = "moving-block bootstrap over " + std::to_string(a.size()) + " and " +
                 std::to_string(b.size()) + " seconds (blocks of " +
                 std::to_string(block_length(a.size(), a.lag1_autocorrelation())) + " and " +
                 std::to_string(block_length(b.size(), b.lag1_autocorrelation())) + " s, " +
                 std::to_string(options.resamples) + " resamples)";
  } else {
    out.method = "run level: " + std::to_string(base.size()) + " and " +
                 std::to_string(next.size()) + " runs, Welch's t interval";
  }
  std::vector<std::string> scopes = {""};
  const std::set<std::string> in_base = endpoint_names(base);
  const std::set<std::string> in_next = endpoint_names(next);
  for (const auto& name : in_base) {
    if (in_next.count(name) != 0) {
      scopes.push_back(name);
    } else {
      out.notes.push_back("endpoint '" + name + "' is only in BASE");
    }
  }
  for (const auto& name : in_next) {
    if (in_base.count(name) == 0) out.notes.push_back("endpoint '" + name + "' is only in NEW");
  }
  // With one endpoint on each side, its figures are the run's: list them once.
  if (scopes.size() == 2 && in_base.size() == 1 && in_next.size() == 1) {
    out.only_endpoint = scopes.back();
    scopes.pop_back();
  }
  for (const auto& scope : scopes) {
    out.scopes.push_back(single ? bootstrap_scope(base.front(), next.front(), scope, options)
                                : run_level_scope(base, next, scope, options));
  }
  return out;
}

}  // namespace hone::analyze
