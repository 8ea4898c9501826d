#include "analyze/analysis.h"

#include <algorithm>

#include "analyze/findings.h"
#include "analyze/health.h"
#include "analyze/recommend.h"

namespace hone::analyze {

const char* severity_name(Severity severity) {
  switch (severity) {
    case Severity::kHigh:
      return "high";
    case Severity::kMedium:
      return "medium";
    case Severity::kLow:
      break;
  }
  return "low";
}

Analysis analyze_result(const report::LoadResult& result) {
  static constexpr Rule kRules[] = {find_generator_saturated,
                                    find_server_saturated,
                                    find_queueing,
                                    find_periodic_stall,
                                    find_errors,
                                    find_cache_ineffective,
                                    find_batching_ineffective,
                                    find_cold_start,
                                    find_connection_churn,
                                    find_cpu_stolen};
  const RunFacts facts = gather_facts(result);
  Analysis analysis;
  for (const Rule rule : kRules) rule(result, facts, analysis.findings);
  std::stable_sort(analysis.findings.begin(), analysis.findings.end(),
                   [](const Finding& a, const Finding& b) { return a.severity > b.severity; });
  analysis.health = health_score(result, facts);
  analysis.recommendations = recommend(analysis.findings, facts);
  return analysis;
}

}  // namespace hone::analyze
