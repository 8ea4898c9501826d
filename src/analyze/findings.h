// The analysis rules, one function per finding kind; each appends its finding when the run shows
// it (docs/ANALYZE.md gives each rule and its limits). Internal to the analyze area.
#pragma once

#include <vector>

#include "analyze/analysis.h"
#include "analyze/run_facts.h"

namespace hone::analyze {

using Rule = void (*)(const report::LoadResult& result, const RunFacts& facts,
                      std::vector<Finding>& out);

// findings_client.cc: from the client's view alone.
void find_generator_saturated(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_server_saturated(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_periodic_stall(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_errors(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_cold_start(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_connection_churn(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_cpu_stolen(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
// findings_server.cc: with the server's series, or the inputs the run sent.
void find_queueing(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_cache_ineffective(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);
void find_batching_ineffective(const report::LoadResult&, const RunFacts&, std::vector<Finding>&);

// The generator fell behind on its own (not because the server was slow): other rules that read
// latency trends do not apply then.
bool generator_limited(const report::LoadResult& result);

}  // namespace hone::analyze
