// Rules that read the client's view: the schedule, the timeline, errors and connections.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "analyze/findings.h"
#include "report/schedule_check.h"

namespace hone::analyze {
namespace {

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

// The seconds that carried answers, without the partial first and last when there are enough.
std::vector<SecondFacts> steady_seconds(const RunFacts& facts) {
  std::vector<SecondFacts> out;
  for (const auto& s : facts.seconds) {
    if (s.answered > 0) out.push_back(s);
  }
  if (out.size() > 4) {
    out.erase(out.begin());
    out.pop_back();
  }
  return out;
}

// Mean of `field` over seconds [from, to).
template <typename Field>
double mean_over(const std::vector<SecondFacts>& seconds, std::size_t from, std::size_t to,
                 Field field) {
  double sum = 0;
  for (std::size_t i = from; i < to; ++i) sum += field(seconds[i]);
  return to > from ? sum / static_cast<double>(to - from) : 0;
}

}  // namespace

// Late sends while a connection was free (more than a few: when a stalled server answers a
// backlog at once, a generator sends a percent or so late while it reads the burst; and a
// virtual machine whose host keeps a share of its CPU time pauses every thread for about that
// share of the sends), or a run behind schedule while the generator's threads were busy (their
// CPU time near the time they could run): the generator, not the server, held it back. (A
// saturated generator also reads answers late, so its service times cannot tell.)
bool generator_limited(const report::LoadResult& result) {
  const report::Schedule& s = result.schedule;
  if (s.model != "open" || s.sent == 0 || s.lag.value_at_percentile(99) <= 1000) return false;
  const double paused = s.cpu.stolen_share(result.duration_s);
  if (static_cast<double>(s.lag_when_connections_free) >
      (0.05 + paused) * static_cast<double>(s.sent))
    return true;
  return report::check_schedule(result).behind && s.cpu.busy(result.duration_s) >= 0.85;
}

// The machine's hypervisor kept part of its CPU time: every thread on it, the generator's and a
// local server's, stopped meanwhile, so the run measured the host's pauses along with the server.
void find_cpu_stolen(const report::LoadResult& result, const RunFacts&, std::vector<Finding>& out) {
  const double share = result.schedule.cpu.stolen_share(result.duration_s);
  if (share < report::kStolenShareWarning) return;
  Finding f;
  f.kind = "cpu_stolen";
  f.severity = Severity::kMedium;
  f.summary = format(
      "the hypervisor kept %.0f%% of this machine's CPU time during the run (steal): its "
      "threads stopped meanwhile, and latencies include those pauses",
      100 * share);
  f.evidence = {{"CPU time stolen", share, "ratio"},
                {"stolen", result.schedule.cpu.machine_steal_s, "s"},
                {"CPUs", static_cast<double>(result.schedule.cpu.machine_cpus), "count"}};
  out.push_back(f);
}

void find_generator_saturated(const report::LoadResult& result, const RunFacts&,
                              std::vector<Finding>& out) {
  if (!generator_limited(result)) return;
  const report::Schedule& s = result.schedule;
  const report::ScheduleVerdict verdict = report::check_schedule(result);
  Finding f;
  f.kind = "generator_saturated";
  f.severity = verdict.behind ? Severity::kHigh : Severity::kMedium;
  const double late =
      static_cast<double>(s.lag_when_connections_free) / static_cast<double>(s.sent);
  const double busy = s.cpu.busy(result.duration_s);
  f.summary = format(
      "the load generator could not keep its schedule (send lag p99 %.1f ms, its threads %.0f%% "
      "busy): latencies include the generator's own delay",
      static_cast<double>(s.lag.value_at_percentile(99)) / 1000, 100 * busy);
  f.evidence = {{"send lag p99", static_cast<double>(s.lag.value_at_percentile(99)), "us"},
                {"sent of intended", verdict.send_ratio, "ratio"},
                {"sends late with a free connection", late, "ratio"},
                {"generator threads busy", busy, "ratio"}};
  out.push_back(f);
}

// Little's law: requests in flight = throughput x time in the system. A server at capacity keeps
// its throughput while the requests in flight (and so latency) grow.
void find_server_saturated(const report::LoadResult& result, const RunFacts& facts,
                           std::vector<Finding>& out) {
  if (generator_limited(result)) return;
  const std::vector<SecondFacts> seconds = steady_seconds(facts);
  if (seconds.size() < 6) return;
  const std::size_t third = seconds.size() / 3;
  const std::size_t n = seconds.size();
  const auto ok = [](const SecondFacts& s) { return s.ok; };
  const auto latency = [](const SecondFacts& s) { return s.mean_us; };
  const auto in_flight = [](const SecondFacts& s) { return s.ok * s.mean_us / 1e6; };
  const double x_first = mean_over(seconds, 0, third, ok);
  const double x_last = mean_over(seconds, n - third, n, ok);
  const double r_first = mean_over(seconds, 0, third, latency);
  const double r_last = mean_over(seconds, n - third, n, latency);
  const double l_first = mean_over(seconds, 0, third, in_flight);
  const double l_last = mean_over(seconds, n - third, n, in_flight);
  const double achieved = mean_over(seconds, 0, n, ok);
  const bool short_of_offered =
      facts.open_model && facts.offered_rps > 0 && achieved < 0.95 * facts.offered_rps;
  const bool piling_up = r_last > 2 * r_first && l_last > 2 * l_first && x_last < 1.2 * x_first;
  if (!short_of_offered && !piling_up) return;
  // The knee: the last second before latency left its early level (twice the median of the
  // first fifth of the run), and the throughput there.
  std::vector<double> early;
  for (std::size_t i = 0; i < std::max<std::size_t>(1, n / 5); ++i)
    early.push_back(seconds[i].p50_us);
  const double baseline = median_of(early);
  double knee_rps = 0;
  double knee_t = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (seconds[i].p50_us > 2 * baseline) break;
    knee_rps = std::max(knee_rps, seconds[i].ok);
    knee_t = static_cast<double>(seconds[i].t - facts.seconds.front().t);
  }
  const double capacity = knee_rps > 0 ? knee_rps : std::max(x_first, x_last);
  Finding f;
  f.kind = "server_saturated";
  const bool severe =
      (short_of_offered && achieved < 0.9 * facts.offered_rps) || r_last > 5 * r_first;
  f.severity = severe ? Severity::kHigh : Severity::kMedium;
  if (short_of_offered) {
    f.summary = format("the server answered %.0f req/s of the %.0f offered: it is at capacity",
                       achieved, facts.offered_rps) +
                format(" (requests in flight went from %.1f to %.1f)", l_first, l_last);
  } else {
    f.summary = format(
        "throughput stayed near %.0f req/s while requests in flight grew %.1fx: the "
        "server is at capacity",
        x_last, l_first > 0 ? l_last / l_first : 0);
  }
  f.evidence = {{"throughput", achieved, "req/s"},
                {"capacity (knee)", capacity, "req/s"},
                {"knee at", knee_t, "s"},
                {"in flight, first third", l_first, "count"},
                {"in flight, last third", l_last, "count"},
                {"mean latency, first third", r_first, "us"},
                {"mean latency, last third", r_last, "us"}};
  if (facts.open_model)
    f.evidence.insert(f.evidence.begin(), {"offered", facts.offered_rps, "req/s"});
  out.push_back(f);
}

void find_periodic_stall(const report::LoadResult&, const RunFacts& facts,
                         std::vector<Finding>& out) {
  const std::vector<SecondFacts> seconds = steady_seconds(facts);
  if (seconds.size() < 8) return;
  std::vector<double> p99s;
  for (const auto& s : seconds) p99s.push_back(s.p99_us);
  const double baseline = median_of(p99s);
  // Spike seconds, merged into events where consecutive.
  std::vector<double> starts;
  std::vector<double> spike_p99;
  std::int64_t previous = -10;
  for (const auto& s : seconds) {
    if (s.p99_us <= std::max(3 * baseline, baseline + 5000)) continue;
    if (s.t != previous + 1) starts.push_back(static_cast<double>(s.t));
    spike_p99.push_back(s.p99_us);
    previous = s.t;
  }
  if (starts.size() < 3 || spike_p99.size() * 2 > seconds.size()) return;
  std::vector<double> gaps;
  for (std::size_t i = 1; i < starts.size(); ++i) gaps.push_back(starts[i] - starts[i - 1]);
  const double period = median_of(gaps);
  const bool regular = std::all_of(gaps.begin(), gaps.end(), [period](double g) {
    return std::abs(g - period) <= 1.0 + 0.15 * period;
  });
  if (!regular || period < 2) return;
  const double spike = median_of(spike_p99);
  Finding f;
  f.kind = "periodic_stall";
  f.severity = spike > 10 * baseline ? Severity::kHigh : Severity::kMedium;
  f.summary =
      format("latency spikes every %.0f s (p99 %.1f ms in those seconds, %.1f ms otherwise)",
             period, spike / 1000, baseline / 1000);
  f.evidence = {{"period", period, "s"},
                {"stalls", static_cast<double>(starts.size()), "count"},
                {"p99 in stall seconds", spike, "us"},
                {"p99 otherwise", baseline, "us"}};
  out.push_back(f);
}

void find_errors(const report::LoadResult& result, const RunFacts& facts,
                 std::vector<Finding>& out) {
  if (facts.failed <= 0) return;
  const double rate = facts.failed / facts.requests;
  Finding f;
  f.kind = "errors";
  f.severity = rate >= 0.01 ? Severity::kHigh : rate >= 0.001 ? Severity::kMedium : Severity::kLow;
  std::string causes;
  for (const auto& [status, count] : result.total.failed_by_status) {
    causes += (causes.empty() ? "" : ", ") + std::to_string(count) + " x " + std::to_string(status);
    f.evidence.push_back({"status " + std::to_string(status), static_cast<double>(count), "count"});
  }
  for (const auto& [kind, count] : result.total.by_kind) {
    if (kind == report::kErrorCheck && !result.total.failed_by_status.empty()) continue;
    causes += (causes.empty() ? "" : ", ") + std::to_string(count) + " x " + kind;
    f.evidence.push_back({kind, static_cast<double>(count), "count"});
  }
  // Bursts: most failures inside few seconds.
  std::vector<double> per_second;
  for (const auto& s : facts.seconds) per_second.push_back(s.failed);
  std::sort(per_second.rbegin(), per_second.rend());
  const std::size_t worst = std::max<std::size_t>(1, per_second.size() / 10);
  double in_worst = 0;
  for (std::size_t i = 0; i < worst && i < per_second.size(); ++i) in_worst += per_second[i];
  const bool bursts =
      per_second.size() >= 10 && in_worst >= 0.5 * facts.failed && facts.failed >= 5;
  f.summary =
      format("%.2f%% of requests failed", 100 * rate) + " (" + causes + ")" +
      (bursts ? format(", in bursts: %.0f%% of them in %.0f%% of the seconds",
                       100 * in_worst / facts.failed,
                       100 * static_cast<double>(worst) / static_cast<double>(per_second.size()))
              : "");
  f.evidence.insert(f.evidence.begin(), {"error rate", rate, "ratio"});
  if (bursts)
    f.evidence.push_back(
        {"failures in the worst tenth of seconds", in_worst / facts.failed, "ratio"});
  out.push_back(f);
}

void find_cold_start(const report::LoadResult&, const RunFacts& facts, std::vector<Finding>& out) {
  std::vector<SecondFacts> seconds;
  for (const auto& s : facts.seconds) {
    if (s.answered > 0) seconds.push_back(s);
  }
  if (seconds.size() < 6) return;
  const std::size_t first = std::clamp<std::size_t>(seconds.size() / 10, 1, 5);
  std::vector<double> early;
  std::vector<double> rest;
  for (std::size_t i = 0; i < seconds.size(); ++i) {
    (i < first ? early : rest).push_back(seconds[i].p50_us);
  }
  const double early_p50 = median_of(early);
  const double rest_p50 = median_of(rest);
  if (!(early_p50 > 2 * rest_p50 && early_p50 - rest_p50 > 1000)) return;
  Finding f;
  f.kind = "cold_start";
  f.severity = early_p50 > 10 * rest_p50 ? Severity::kHigh : Severity::kMedium;
  f.summary = format("the first %.0f s were slower: p50 %.2f ms against %.2f ms afterwards",
                     static_cast<double>(first), early_p50 / 1000, rest_p50 / 1000);
  f.evidence = {{"first seconds", static_cast<double>(first), "s"},
                {"p50, first seconds", early_p50, "us"},
                {"p50, afterwards", rest_p50, "us"}};
  out.push_back(f);
}

void find_connection_churn(const report::LoadResult& result, const RunFacts& facts,
                           std::vector<Finding>& out) {
  const report::Schedule& s = result.schedule;
  const double opened = static_cast<double>(s.connections_opened);
  if (opened <= std::max(10.0, 2.0 * static_cast<double>(s.max_connections))) return;
  const double per_request = facts.requests > 0 ? opened / facts.requests : 0;
  if (per_request <= 0.05) return;
  Finding f;
  f.kind = "connection_churn";
  f.severity = per_request > 0.5 ? Severity::kHigh : Severity::kMedium;
  f.summary = format(
      "%.0f connections were opened for %.0f requests (at most %.0f open at once): "
      "keep-alive is not holding",
      opened, facts.requests, static_cast<double>(s.max_connections));
  const auto resets = result.total.by_kind.find(report::kErrorReset);
  f.evidence = {{"connections opened", opened, "count"},
                {"per request", per_request, "ratio"},
                {"most open at once", static_cast<double>(s.max_connections), "count"}};
  if (resets != result.total.by_kind.end())
    f.evidence.push_back({"resets", static_cast<double>(resets->second), "count"});
  out.push_back(f);
}

}  // namespace hone::analyze
