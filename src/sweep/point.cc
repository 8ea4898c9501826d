#include "sweep/point.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <map>
#include <thread>

#include "load/engine.h"
#include "load/options.h"
#include "report/schedule_check.h"
#include "sweep/cpu_pin.h"
#include "sweep/stability.h"

namespace hone::sweep {
namespace {

// The SLO's latency percentile (p99 unless the SLO names another), for stability.
double slo_percentile(const SweepSpec& spec) {
  for (const auto& t : spec.slo) {
    if (t.endpoint.empty() && t.metric.size() > 1 && t.metric[0] == 'p') {
      return std::atof(t.metric.c_str() + 1) / (t.metric == "p999" ? 10.0 : 1.0);
    }
  }
  return 99;
}

// Watches the run's finished seconds and says when the last windows agree.
class StabilityWatch {
 public:
  StabilityWatch(const Stability& stability, double percentile, double floor_us)
      : stability_(stability), percentile_(percentile), floor_us_(floor_us) {}

  // Takes the finished seconds before `complete` (the board keeps only the last few, so this
  // runs several times a second); true once stable.
  bool update(const load::LiveBoard& live, std::int64_t first, std::int64_t complete) {
    if (next_ == 0) next_ = first + 1;  // the first second is partial: windows start after it
    const auto window = static_cast<std::int64_t>(stability_.window_s);
    for (; next_ < complete; ++next_) {
      if (const auto row = live.row(next_)) {
        ok_ += static_cast<double>(row->ok);
        if (auto h = HdrHistogram::from_sparse(row->latency)) latency_.add(*h);
      }
      if ((next_ - first) % window == 0) {  // the window's last second
        windows_.push_back({ok_ / static_cast<double>(window),
                            static_cast<double>(latency_.value_at_percentile(percentile_))});
        ok_ = 0;
        latency_.reset();
      }
    }
    return agree(windows_, stability_.windows, stability_.tolerance, floor_us_);
  }

 private:
  Stability stability_;
  double percentile_;
  double floor_us_;
  std::vector<Window> windows_;
  std::int64_t next_ = 0;  // the next second to take
  double ok_ = 0;          // the current window's
  HdrHistogram latency_ = report::make_timeline_histogram();
};

std::int64_t unix_second() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<PointOutcome> run_point(const SweepSpec& spec, const std::string& scenario,
                               const std::string& base_url, const std::string& metrics_url,
                               double level) {
  load::LoadOptions options;
  options.url = base_url;
  options.scenario_file = scenario;
  if (spec.closed) {
    options.concurrency = level;
  } else {
    options.rate = level;
  }
  options.duration_s = spec.stability.max_time_s;
  options.threads = spec.threads;
  options.metrics_url = metrics_url;
  options.seed = 1;
  auto plan = load::build_plan(options);
  if (!plan) return plan.error();
  plan->thresholds = spec.slo;
  load::LiveBoard live;
  std::atomic<bool> stop{false};
  const std::int64_t first = unix_second();
  const auto started = std::chrono::steady_clock::now();
  Result<report::LoadResult> result = fail("not run");
  std::thread runner;
  {
    const CpuPin pin(spec.load_cpus);  // the runner and the engine's threads inherit the CPUs
    runner = std::thread([&] { result = load::run_load(*plan, &live, stop); });
  }
  StabilityWatch watch(spec.stability, slo_percentile(spec), latency_floor_us(spec));
  PointOutcome outcome;
  outcome.level = level;
  // The run ends by itself at the time limit; a stable run is ended early.
  while (!stop.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (elapsed >= spec.stability.max_time_s) break;
    // A second's row is complete once every thread has moved on: two seconds back.
    if (watch.update(live, first, unix_second() - 1)) {
      outcome.stable = true;
      outcome.stable_after_s = elapsed;
      stop = true;
    }
  }
  runner.join();
  if (!result) return result.error();
  outcome.result = std::move(*result);
  outcome.generator_behind = report::check_schedule(outcome.result).generator_late;
  std::vector<std::string> broken;
  for (const auto& o : report::evaluate_thresholds(outcome.result, spec.slo)) {
    if (!o.passed)
      broken.push_back(o.threshold.text + " (" +
                       report::format_metric(o.threshold.metric, o.actual) + ")");
  }
  outcome.slo_met = broken.empty() && outcome.stable && !outcome.generator_behind;
  if (!broken.empty()) {
    for (const auto& b : broken) outcome.reason += (outcome.reason.empty() ? "missed " : ", ") + b;
  } else if (!outcome.stable) {
    outcome.reason = "never stabilised";
  } else if (outcome.generator_behind) {
    outcome.reason = "the generator could not send this rate";
  }
  return outcome;
}

}  // namespace hone::sweep
