// The comparison as text for a terminal (one table per scope: the whole run, then endpoints; then
// the outcome of each --fail-on rule), and as JSON for the HTML report.
#pragma once

#include <string>
#include <vector>

#include "analyze/change_rules.h"
#include "analyze/compare.h"

namespace hone::analyze {

// "1.25ms", "+12.5%", "+0.40 pp" for a figure's values and changes.
std::string format_figure(int figure, double value);
std::string format_change(int figure, double change);

std::string format_comparison(const Comparison& comparison, const std::string& base_label,
                              const std::string& next_label);
std::string format_rule_outcomes(const std::vector<RuleOutcome>& outcomes);
std::string comparison_json(const Comparison& comparison, const std::string& base_label,
                            const std::string& next_label,
                            const std::vector<RuleOutcome>& outcomes);

}  // namespace hone::analyze
