#include "monitor/alerts.h"

#include <algorithm>
#include <charconv>
#include <set>

#include "core/json_writer.h"
#include "core/strings.h"
#include "core/units.h"

namespace hone::monitor {
namespace {

const std::set<std::string> kRateMetrics = {"error_rate", "cache_hit_rate"};
const std::set<std::string> kPercentMetrics = {"cpu", "machine_cpu", "memory"};
const std::set<std::string> kMsMetrics = {"p50_ms", "p95_ms", "p99_ms"};
const std::set<std::string> kPlainMetrics = {"rps", "rss_mb", "queue_depth", "connections"};

}  // namespace

const char* alert_status_name(AlertStatus status) {
  switch (status) {
    case AlertStatus::kInactive:
      return "inactive";
    case AlertStatus::kPending:
      return "pending";
    case AlertStatus::kFiring:
      return "firing";
    case AlertStatus::kResolved:
      return "resolved";
  }
  return "inactive";
}

Result<AlertRule> parse_alert_rule(const std::string& expr) {
  const auto bad = [&expr](const std::string& why) { return fail("alert '" + expr + "': " + why); };
  AlertRule rule;
  rule.expr = std::string(trim(expr));
  rule.name = rule.expr;
  std::string_view text = rule.expr;
  std::string_view duration;
  if (const auto at = text.find(" for "); at != std::string_view::npos) {
    duration = trim(text.substr(at + 5));
    text = trim(text.substr(0, at));
  }
  const auto op_at = text.find_first_of("<>");
  if (op_at == std::string_view::npos) return bad("no comparison (>, >=, <, <=)");
  rule.metric = to_lower(trim(text.substr(0, op_at)));
  const std::size_t op_length = op_at + 1 < text.size() && text[op_at + 1] == '=' ? 2 : 1;
  rule.op = std::string(text.substr(op_at, op_length));
  std::string_view value = trim(text.substr(op_at + op_length));
  const bool known = kRateMetrics.count(rule.metric) || kPercentMetrics.count(rule.metric) ||
                     kMsMetrics.count(rule.metric) || kPlainMetrics.count(rule.metric);
  if (!known) {
    return bad("unknown metric '" + rule.metric +
               "' (p50_ms, p95_ms, p99_ms, rps, error_rate, cache_hit_rate, cpu, machine_cpu, "
               "memory, rss_mb, queue_depth, connections)");
  }
  std::size_t digits = 0;
  while (digits < value.size() &&
         ((value[digits] >= '0' && value[digits] <= '9') || value[digits] == '.'))
    ++digits;
  double number = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + digits, number);
  if (digits == 0 || ec != std::errc() || end != value.data() + digits)
    return bad("expected a number");
  const std::string unit = to_lower(trim(value.substr(digits)));
  if (kRateMetrics.count(rule.metric)) {
    if (unit == "%")
      number /= 100;
    else if (!unit.empty())
      return bad("rates take % or a fraction");
  } else if (kPercentMetrics.count(rule.metric)) {
    if (!unit.empty() && unit != "%") return bad("'" + rule.metric + "' takes a percentage");
  } else if (kMsMetrics.count(rule.metric)) {
    if (unit == "s")
      number *= 1000;
    else if (unit == "us")
      number /= 1000;
    else if (!unit.empty() && unit != "ms")
      return bad("latencies take us, ms or s");
  } else if (!unit.empty()) {
    return bad("'" + rule.metric + "' takes a plain number");
  }
  rule.threshold = number;
  if (!duration.empty()) {
    auto parsed = parse_duration(duration);
    if (!parsed) return bad(parsed.error().message);
    rule.for_seconds = parsed->count() / 1'000'000;
  }
  return rule;
}

AlertEngine::AlertEngine(std::vector<AlertRule> rules) : rules_(std::move(rules)) {
  for (const auto& rule : rules_) states_.push_back({rule});
}

void AlertEngine::set_listener(Listener listener) {
  std::lock_guard lock(mutex_);
  listener_ = std::move(listener);
}

bool AlertEngine::metric_value(const AlertRule& rule, const Second& second, double& value) {
  std::int64_t requests = second.requests;
  std::int64_t failures = second.failures;
  double p50 = second.p50_ms;
  double p95 = second.p95_ms;
  double p99 = second.p99_ms;
  std::int64_t pending = second.pending;
  if (!rule.model.empty()) {
    const auto it = std::find_if(second.models.begin(), second.models.end(),
                                 [&rule](const ModelSecond& m) { return m.model == rule.model; });
    if (it == second.models.end()) return false;
    requests = it->requests;
    failures = it->failures;
    p50 = it->p50_ms;
    p95 = it->p95_ms;
    p99 = it->p99_ms;
    pending = it->pending;
  }
  const std::string& m = rule.metric;
  if (kMsMetrics.count(m) || m == "error_rate") {
    if (requests == 0) return false;  // no traffic, no verdict
  }
  if (m == "p50_ms")
    value = p50;
  else if (m == "p95_ms")
    value = p95;
  else if (m == "p99_ms")
    value = p99;
  else if (m == "rps")
    value = static_cast<double>(requests);
  else if (m == "error_rate")
    value = static_cast<double>(failures) / static_cast<double>(requests);
  else if (m == "cache_hit_rate") {
    if (second.cache_hits + second.cache_misses == 0) return false;
    value = second.cache_hit_rate;
  } else if (m == "cpu")
    value = second.system.process_cpu_percent;
  else if (m == "machine_cpu")
    value = second.system.machine_cpu_percent;
  else if (m == "memory")
    value = second.system.memory_percent;
  else if (m == "rss_mb")
    value = static_cast<double>(second.system.rss_bytes) / (1024.0 * 1024.0);
  else if (m == "queue_depth")
    value = static_cast<double>(pending);
  else if (m == "connections")
    value = static_cast<double>(second.connections);
  else
    return false;
  return true;
}

void AlertEngine::evaluate(const Second& second) {
  std::vector<AlertEvent> events;
  Listener listener;
  {
    std::lock_guard lock(mutex_);
    for (auto& state : states_) {
      const AlertRule& rule = state.rule;
      double value = 0;
      const bool has = metric_value(rule, second, value);
      const bool holds = has && ((rule.op == ">" && value > rule.threshold) ||
                                 (rule.op == ">=" && value >= rule.threshold) ||
                                 (rule.op == "<" && value < rule.threshold) ||
                                 (rule.op == "<=" && value <= rule.threshold));
      if (has) state.value = value;
      if (holds) {
        if (state.status == AlertStatus::kInactive || state.status == AlertStatus::kResolved) {
          state.status = AlertStatus::kPending;
          state.since = second.time;
        }
        if (state.status == AlertStatus::kPending &&
            second.time - state.since >= rule.for_seconds) {
          state.status = AlertStatus::kFiring;
          state.fired_at = second.time;
          events.push_back({state, second.time});
        }
      } else if (state.status == AlertStatus::kPending) {
        state.status = AlertStatus::kInactive;
      } else if (state.status == AlertStatus::kFiring) {
        state.status = AlertStatus::kResolved;
        state.resolved_at = second.time;
        events.push_back({state, second.time});
      }
    }
    listener = listener_;
  }
  if (listener) {
    for (const auto& event : events) listener(event);
  }
}

std::vector<AlertState> AlertEngine::states() const {
  std::lock_guard lock(mutex_);
  return states_;
}

std::int64_t AlertEngine::firing() const {
  std::lock_guard lock(mutex_);
  return std::count_if(states_.begin(), states_.end(),
                       [](const AlertState& s) { return s.status == AlertStatus::kFiring; });
}

namespace {
void write_state(JsonWriter& json, const AlertState& s) {
  json.begin_object();
  json.key("name").value(s.rule.name);
  json.key("expr").value(s.rule.expr);
  if (!s.rule.model.empty()) json.key("model").value(s.rule.model);
  json.key("severity").value(s.rule.severity);
  json.key("state").value(alert_status_name(s.status));
  json.key("value").value(s.value);
  json.key("threshold").value(s.rule.threshold);
  json.key("for_s").value(s.rule.for_seconds);
  if (s.status == AlertStatus::kPending || s.status == AlertStatus::kFiring)
    json.key("since").value(s.since);
  if (s.fired_at > 0) json.key("fired_at").value(s.fired_at);
  if (s.resolved_at > 0) json.key("resolved_at").value(s.resolved_at);
  json.end_object();
}
}  // namespace

void write_alerts_json(const std::vector<AlertState>& states, std::string& out) {
  JsonWriter json(out);
  json.begin_object().key("alerts").begin_array();
  for (const auto& state : states) write_state(json, state);
  json.end_array().end_object();
}

void write_alert_event_json(const AlertEvent& event, std::string& out) {
  JsonWriter json(out);
  json.begin_object();
  json.key("source").value("hone");
  json.key("time").value(event.time);
  json.key("alert");
  write_state(json, event.state);
  json.end_object();
}

}  // namespace hone::monitor
