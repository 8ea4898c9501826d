// Rules for failing a comparison in CI (hone report compare --fail-on): "p99>+10%" (p99 rose by
// more than 10%), "rps<-5%", "error_rate>+0.5%" (the error rate rose by more than half a
// percentage point), optionally for one endpoint: "predict:p99>+10%". A rule fails only when its
// change is also significant (the comparison's verdict is not "no significant change"), so noise
// never fails a build; a figure that cannot be compared fails it, and says why.
#pragma once

#include <string>
#include <vector>

#include "analyze/compare.h"
#include "core/result.h"

namespace hone::analyze {

struct ChangeRule {
  std::string text;
  std::string endpoint;  // empty: the whole run
  int figure = kP99;
  bool above = true;  // '>' (rose by more than `limit`) or '<' (fell by more than)
  double limit = 0;   // relative (0.10), or absolute for the error rate
};

struct RuleOutcome {
  ChangeRule rule;
  bool failed = false;
  std::string reason;  // "p99 +30.2% [+25.0%, +35.1%], worse"
};

Result<ChangeRule> parse_change_rule(const std::string& text);
std::vector<RuleOutcome> check_change_rules(const Comparison& comparison,
                                            const std::vector<ChangeRule>& rules);

}  // namespace hone::analyze
