#include "report/summary_text.h"

#include <cstdio>

#include "report/schedule_check.h"

namespace hone::report {
namespace {

std::string printf_string(const char* format, auto... args) {
  char text[512];
  std::snprintf(text, sizeof text, format, args...);
  return text;
}

std::string latency_line(const char* label, const HdrHistogram& h) {
  return printf_string(
      "  %-10s min %s  mean %s  p50 %s  p90 %s  p95 %s  p99 %s  p99.9 %s  max %s  (sd %s)\n", label,
      format_us(static_cast<double>(h.min())).c_str(), format_us(h.mean()).c_str(),
      format_us(static_cast<double>(h.value_at_percentile(50))).c_str(),
      format_us(static_cast<double>(h.value_at_percentile(90))).c_str(),
      format_us(static_cast<double>(h.value_at_percentile(95))).c_str(),
      format_us(static_cast<double>(h.value_at_percentile(99))).c_str(),
      format_us(static_cast<double>(h.value_at_percentile(99.9))).c_str(),
      format_us(static_cast<double>(h.max())).c_str(), format_us(h.stddev()).c_str());
}

std::string failures(const Stats& stats) {
  std::string out;
  for (const auto& [kind, count] : stats.by_kind) {
    out += (out.empty() ? "" : ", ") + std::to_string(count) + " " + kind;
  }
  for (const auto& [status, count] : stats.failed_by_status) {
    out += (out.empty() ? "" : ", ") + std::to_string(count) + " x " + std::to_string(status);
  }
  return out;
}

}  // namespace

std::string format_us(double us) {
  if (us >= 1e6) return printf_string("%.2fs", us / 1e6);
  if (us >= 1e3) return printf_string("%.2fms", us / 1e3);
  return printf_string("%.0fus", us);
}

std::string format_bytes(double bytes) {
  if (bytes >= 1e9) return printf_string("%.2f GB", bytes / 1e9);
  if (bytes >= 1e6) return printf_string("%.2f MB", bytes / 1e6);
  if (bytes >= 1e3) return printf_string("%.1f kB", bytes / 1e3);
  return printf_string("%.0f B", bytes);
}

std::string format_summary(const LoadResult& result) {
  const Stats& t = result.total;
  std::string out = printf_string(
      "hone load: %s, %.1fs%s\n", result.target.c_str(), result.duration_s,
      result.shards > 1 ? (", " + std::to_string(result.shards) + " shards merged").c_str() : "");
  out += printf_string("  %-10s %lld (%lld ok, %lld failed%s%s%s)  %.1f req/s  %.3g%% errors\n",
                       "requests", static_cast<long long>(t.requests), static_cast<long long>(t.ok),
                       static_cast<long long>(t.failed), t.failed ? ": " : "", failures(t).c_str(),
                       "", result.rps(), 100 * result.error_rate());
  if (t.latency.count() > 0) {
    out += latency_line("latency", t.latency);
    out += latency_line("service", t.service);
    // With failures, the successes' own latency: fast refusals would flatter the line above.
    if (t.failed > 0 && t.latency_ok.count() > 0) out += latency_line("ok only", t.latency_ok);
  }
  out += printf_string("  %-10s in %s, out %s\n", "bytes",
                       format_bytes(static_cast<double>(t.bytes_in)).c_str(),
                       format_bytes(static_cast<double>(t.bytes_out)).c_str());
  if (!t.by_status.empty()) {
    std::string statuses;
    for (const auto& [status, count] : t.by_status) {
      statuses += "  " + std::to_string(status) + ": " + std::to_string(count);
    }
    out += printf_string("  %-10s%s\n", "status", statuses.c_str());
  }
  if (result.endpoints.size() > 1) {
    for (const auto& endpoint : result.endpoints) {
      const Stats& s = endpoint.stats;
      out +=
          printf_string("  %-10s %-20s %lld req, %lld failed, p50 %s, p99 %s\n", "endpoint",
                        endpoint.name.c_str(), static_cast<long long>(s.requests),
                        static_cast<long long>(s.failed),
                        format_us(static_cast<double>(s.latency.value_at_percentile(50))).c_str(),
                        format_us(static_cast<double>(s.latency.value_at_percentile(99))).c_str());
    }
  }
  const Schedule& schedule = result.schedule;
  if (schedule.model == "open") {
    const ScheduleVerdict verdict = check_schedule(result);
    const std::string refused = verdict.connect_failed > 0
                                    ? printf_string(" + %lld that could not connect",
                                                    static_cast<long long>(verdict.connect_failed))
                                    : std::string();
    out += printf_string(
        "  %-10s open model, %.1f req/s target: sent %lld%s of %lld intended (%.2f%%), send lag "
        "p99 %s, %lld connections at most\n",
        "schedule", schedule.target_rps, static_cast<long long>(schedule.sent), refused.c_str(),
        static_cast<long long>(schedule.intended), 100 * verdict.send_ratio,
        format_us(static_cast<double>(schedule.lag.value_at_percentile(99))).c_str(),
        static_cast<long long>(schedule.max_connections));
    if (verdict.behind) out += "  WARNING    " + verdict.warning + "\n";
  } else if (schedule.model == "closed") {
    out += printf_string("  %-10s closed model, %lld connections at most\n", "schedule",
                         static_cast<long long>(schedule.max_connections));
  }
  const double stolen = schedule.cpu.stolen_share(result.duration_s);
  if (stolen >= kStolenShareWarning) {
    out += printf_string(
        "  WARNING    the hypervisor kept %.0f%% of this machine's CPU time during the run "
        "(steal): every thread stopped meanwhile, and the latencies include those pauses\n",
        100 * stolen);
  }
  return out;
}

std::string format_thresholds(const std::vector<ThresholdOutcome>& outcomes) {
  if (outcomes.empty()) return {};
  std::string out = "thresholds\n";
  for (const auto& outcome : outcomes) {
    const std::string actual = outcome.note.empty()
                                   ? outcome.threshold.metric + " = " +
                                         format_metric(outcome.threshold.metric, outcome.actual)
                                   : outcome.note;
    out += printf_string("  %s %-28s (%s)\n", outcome.passed ? "pass" : "FAIL",
                         outcome.threshold.text.c_str(), actual.c_str());
  }
  return out;
}

}  // namespace hone::report
