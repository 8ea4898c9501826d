#include "analyze/change_rules.h"

#include <cmath>
#include <cstdlib>

#include "analyze/compare_text.h"

namespace hone::analyze {
namespace {

int figure_of(const std::string& name) {
  for (int f = 0; f < kFigureCount; ++f) {
    if (name == figure_name(f)) return f;
  }
  if (name == "p999") return kP999;
  return -1;
}

}  // namespace

Result<ChangeRule> parse_change_rule(const std::string& text) {
  const auto bad = [&text](const std::string& why) {
    return fail("--fail-on '" + text + "': " + why +
                " (write FIGURE>+N% or FIGURE<-N%, e.g. 'p99>+10%', 'rps<-5%', "
                "'predict:error_rate>+0.5%'; figures: rps, error_rate, p50, p90, p99, p99.9)");
  };
  ChangeRule rule;
  rule.text = text;
  const std::size_t op = text.find_first_of("<>");
  if (op == std::string::npos) return bad("no '>' or '<'");
  std::string left = text.substr(0, op);
  std::string right = text.substr(op + 1);
  const auto trim = [](std::string& s) {
    while (!s.empty() && s.front() == ' ') s.erase(s.begin());
    while (!s.empty() && s.back() == ' ') s.pop_back();
  };
  trim(left);
  trim(right);
  const std::size_t colon = left.rfind(':');
  if (colon != std::string::npos) {
    rule.endpoint = left.substr(0, colon);
    left = left.substr(colon + 1);
    if (rule.endpoint.empty()) return bad("an empty endpoint name");
  }
  rule.figure = figure_of(left);
  if (rule.figure < 0) return bad("unknown figure '" + left + "'");
  rule.above = text[op] == '>';
  if (right.empty() || right.back() != '%') return bad("the change must be a percentage");
  right.pop_back();
  char* end = nullptr;
  const double percent = std::strtod(right.c_str(), &end);
  if (right.empty() || end != right.c_str() + right.size() || !std::isfinite(percent)) {
    return bad("'" + right + "%' is not a percentage");
  }
  rule.limit = percent / 100;
  return rule;
}

std::vector<RuleOutcome> check_change_rules(const Comparison& comparison,
                                            const std::vector<ChangeRule>& rules) {
  std::vector<RuleOutcome> out;
  for (const auto& rule : rules) {
    RuleOutcome outcome{rule, true, ""};
    // Runs of one endpoint list it as the whole run.
    const std::string wanted = rule.endpoint == comparison.only_endpoint ? "" : rule.endpoint;
    const ScopeChange* scope = nullptr;
    for (const auto& s : comparison.scopes) {
      if (s.scope == wanted) scope = &s;
    }
    const FigureChange* change = nullptr;
    if (scope != nullptr) {
      for (const auto& c : scope->figures) {
        if (c.figure == rule.figure) change = &c;
      }
    }
    if (scope == nullptr) {
      outcome.reason = "no endpoint '" + rule.endpoint + "' on both sides";
    } else if (change == nullptr) {
      outcome.reason = std::string(figure_name(rule.figure)) + " cannot be compared (no answers)";
    } else {
      const bool beyond = rule.above ? change->change > rule.limit : change->change < rule.limit;
      outcome.failed = beyond && change->verdict != Verdict::kNoChange;
      outcome.reason =
          std::string(figure_name(rule.figure)) + " " + format_change(rule.figure, change->change) +
          " [" + format_change(rule.figure, change->low) + ", " +
          format_change(rule.figure, change->high) + "], " + verdict_name(change->verdict);
    }
    out.push_back(std::move(outcome));
  }
  return out;
}

}  // namespace hone::analyze
