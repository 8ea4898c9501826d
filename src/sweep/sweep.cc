#include "sweep/sweep.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "report/result_json.h"
#include "sweep/rate_search.h"
#include "sweep/server_process.h"

namespace hone::sweep {
namespace {
namespace fs = std::filesystem;

std::string point_line(const SweepSpec& spec, const PointOutcome& p) {
  const report::Stats& t = p.result.total;
  char text[256];
  std::snprintf(text, sizeof text, "%.1f req/s, p50 %.2f ms, p99 %.2f ms, errors %.2f%%%s",
                p.result.rps(), static_cast<double>(t.latency.value_at_percentile(50)) / 1000,
                static_cast<double>(t.latency.value_at_percentile(99)) / 1000,
                100 * p.result.error_rate(),
                p.stable ? (", stable after " + format_level(p.stable_after_s) + " s").c_str()
                         : ", never stable");
  (void)spec;
  return std::string(text) + (p.slo_met ? ": meets the SLO" : ": " + p.reason);
}

class Runner {
 public:
  Runner(const SweepSpec& spec, const std::function<void(const std::string&)>& progress)
      : spec_(spec), progress_(progress) {}

  Result<ConfigurationOutcome> configuration(std::size_t index, const Configuration& c,
                                             std::size_t count) {
    ConfigurationOutcome out;
    out.configuration = c;
    std::string base = spec_.url;
    std::string scenario = spec_.scenario;
    for (const auto& [key, value] : c) {
      if (key == "scenario") scenario = value;
    }
    std::optional<ServerProcess> server;
    std::string metrics;
    if (!spec_.models.empty()) {
      const std::string work =
          (fs::path(spec_.out) / "configs" / std::to_string(index + 1)).string();
      auto started = ServerProcess::start(spec_, c, work);
      if (!started) return started.error();
      server.emplace(std::move(*started));
      base = server->base_url();
      metrics = "/metrics";
    }
    const std::string name =
        "[" + std::to_string(index + 1) + "/" + std::to_string(count) + "] " + describe(c);
    const auto run = [&](double level, bool again) -> Result<const PointOutcome*> {
      progress_(name + ": " + (spec_.closed ? "concurrency " : "rate ") + format_level(level) +
                (spec_.closed ? "" : "/s") + " ...");
      auto point = run_point(spec_, scenario, base, metrics, level);
      if (!point) return point.error();
      progress_(name + ": " + format_level(level) + " -> " + point_line(spec_, *point));
      const std::string file = (fs::path(spec_.out) / "points" /
                                ("c" + std::to_string(index + 1) + "-" + format_level(level) +
                                 (again ? "-again" : "") + ".json"))
                                   .string();
      std::string json;
      report::write_result_json(point->result, json);
      if (auto s = report::write_text_file(file, json); !s) return s.error();
      out.files.push_back(file);
      out.points.push_back(std::move(*point));
      const PointOutcome& last = out.points.back();
      if (last.slo_met && last.level > out.best_level) {
        out.best_level = last.level;
        out.best_rps = last.result.rps();
      }
      return &out.points.back();
    };
    if (!spec_.search) {
      for (const double level : spec_.levels) {
        if (auto p = run(level, false); !p) return p.error();
      }
      return out;
    }
    const RateSearchSettings settings{spec_.search_start, spec_.search_max,
                                      spec_.search_resolution};
    auto searched = search_max_rate(settings, [&](double rate, bool again) -> Result<RateVerdict> {
      auto p = run(rate, again);
      if (!p) return p.error();
      return RateVerdict{(*p)->slo_met, (*p)->generator_behind};
    });
    if (!searched) return searched.error();
    out.note = searched->note;
    return out;
  }

 private:
  const SweepSpec& spec_;
  const std::function<void(const std::string&)>& progress_;
};

}  // namespace

double best_p99_us(const ConfigurationOutcome& c) {
  for (const auto& p : c.points) {
    if (p.slo_met && p.level == c.best_level) {
      return static_cast<double>(p.result.total.latency.value_at_percentile(99));
    }
  }
  return 0;
}

Result<SweepOutcome> run_sweep(const SweepSpec& spec,
                               const std::function<void(const std::string&)>& progress) {
  std::error_code error;
  fs::create_directories(fs::path(spec.out) / "points", error);
  if (error) return fail(spec.out + ": " + error.message());
  SweepOutcome outcome;
  Runner runner(spec, progress);
  const auto configurations = spec.configurations();
  for (std::size_t i = 0; i < configurations.size(); ++i) {
    auto c = runner.configuration(i, configurations[i], configurations.size());
    if (!c) return c.error();
    outcome.configurations.push_back(std::move(*c));
  }
  // Highest throughput under the SLO; within 1% of each other, the lower p99 at that point.
  std::vector<int> ranked;
  for (std::size_t i = 0; i < outcome.configurations.size(); ++i) {
    if (outcome.configurations[i].best_rps > 0) ranked.push_back(static_cast<int>(i));
  }
  const auto& all = outcome.configurations;
  std::sort(ranked.begin(), ranked.end(), [&all](int a, int b) {
    const auto& x = all[static_cast<std::size_t>(a)];
    const auto& y = all[static_cast<std::size_t>(b)];
    if (std::abs(x.best_rps - y.best_rps) > 0.01 * std::max(x.best_rps, y.best_rps))
      return x.best_rps > y.best_rps;
    return best_p99_us(x) < best_p99_us(y);
  });
  if (!ranked.empty()) {
    outcome.best = ranked.front();
    if (ranked.size() > 1) {
      const auto& first = all[static_cast<std::size_t>(ranked[0])];
      const auto& second = all[static_cast<std::size_t>(ranked[1])];
      outcome.margin = first.best_rps / second.best_rps - 1;
      outcome.latency_margin = best_p99_us(first) / best_p99_us(second) - 1;
    }
  }
  return outcome;
}

std::string format_sweep_summary(const SweepSpec& spec, const SweepOutcome& outcome) {
  std::string out = "\nunder the SLO (" + spec.slo_text + "):\n";
  for (std::size_t i = 0; i < outcome.configurations.size(); ++i) {
    const auto& c = outcome.configurations[i];
    out += "  " + describe(c.configuration) + ": ";
    if (c.best_level > 0) {
      out += (spec.closed ? "concurrency " : "rate ") + format_level(c.best_level) + " answered " +
             format_level(std::round(c.best_rps)) + " req/s";
    } else {
      out += "no level met it";
    }
    if (!c.note.empty()) out += " (" + c.note + ")";
    out += "\n";
  }
  if (outcome.best < 0) return out + "no configuration met the SLO\n";
  const auto& best = outcome.configurations[static_cast<std::size_t>(outcome.best)];
  out += "best: " + describe(best.configuration) + ", " + format_level(std::round(best.best_rps)) +
         " req/s under the SLO";
  if (outcome.configurations.size() > 1) {
    char margin[128];
    if (outcome.margin >= 0.01) {
      std::snprintf(margin, sizeof margin, ", %+.0f%% throughput over the next best",
                    100 * outcome.margin);
    } else {
      std::snprintf(margin, sizeof margin,
                    ", the same throughput as the next best with p99 %+.0f%% (%.2f ms)",
                    100 * outcome.latency_margin, best_p99_us(best) / 1000);
    }
    out += margin;
  }
  return out + "\n";
}

}  // namespace hone::sweep
