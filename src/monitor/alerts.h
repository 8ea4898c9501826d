// Alert rules evaluated once a second on the server's history: "p99_ms > 100 for 30s",
// "error_rate > 5%", "cpu > 80% for 1m", "memory > 85%", "cache_hit_rate < 50%", optionally for
// one model. Each rule is inactive, pending (true, not yet for long enough), firing, or
// resolved (was firing, now false). Transitions are logged and can be POSTed as JSON to a
// webhook. Time comes from the seconds fed in, so tests drive it without waiting.
//
// Metrics: p50_ms, p95_ms, p99_ms (latency, ms), rps, error_rate and cache_hit_rate (give
// 5% or 0.05), cpu (process, % of one core), machine_cpu (%), memory (machine, % in use),
// rss_mb, queue_depth, connections.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "core/result.h"
#include "monitor/history.h"

namespace hone::monitor {

struct AlertRule {
  std::string name;   // defaults to the expression
  std::string expr;   // as written
  std::string model;  // empty: the whole server
  std::string metric;
  std::string op;        // >, >=, <, <=
  double threshold = 0;  // in the metric's unit (fractions for rates, percent for cpu/memory)
  std::int64_t for_seconds = 0;
  std::string severity = "warning";
};

// "METRIC OP VALUE[unit] [for DURATION]".
Result<AlertRule> parse_alert_rule(const std::string& expr);

enum class AlertStatus { kInactive, kPending, kFiring, kResolved };
const char* alert_status_name(AlertStatus status);

struct AlertState {
  AlertRule rule;
  AlertStatus status = AlertStatus::kInactive;
  double value = 0;        // the metric at the last evaluation
  std::int64_t since = 0;  // Unix seconds the condition has held since (pending/firing)
  std::int64_t fired_at = 0;
  std::int64_t resolved_at = 0;
};

struct AlertEvent {
  AlertState state;  // after the transition
  std::int64_t time = 0;
};

class AlertEngine {
 public:
  using Listener = std::function<void(const AlertEvent&)>;

  explicit AlertEngine(std::vector<AlertRule> rules);
  // Evaluates every rule on one second; transitions to firing and resolved go to the listener.
  void evaluate(const Second& second);
  void set_listener(Listener listener);

  std::vector<AlertState> states() const;
  std::int64_t firing() const;
  bool empty() const { return rules_.empty(); }

 private:
  static bool metric_value(const AlertRule& rule, const Second& second, double& value);

  std::vector<AlertRule> rules_;
  mutable std::mutex mutex_;
  std::vector<AlertState> states_;
  Listener listener_;
};

void write_alerts_json(const std::vector<AlertState>& states, std::string& out);
void write_alert_event_json(const AlertEvent& event, std::string& out);

}  // namespace hone::monitor
