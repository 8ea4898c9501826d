#include "analyze/run_facts.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "monitor/stages.h"

namespace hone::analyze {
namespace {

// Sum over the run of every series named `name` that has the label `key` = `value`.
double total_of(const report::ServerMetrics& server, const std::string& name,
                const report::PromLabels& match = {}) {
  double sum = 0;
  for (const auto* series : server.find(name, match)) sum += series->total;
  return sum;
}

// A stage's share of the mean request, in microseconds: its mean over the requests that passed
// through it, times their share of all `requests` (a cache hit has no queue or compute stage).
double per_request_us(const report::ServerMetrics& server, const std::string& name,
                      const std::string& model, double requests) {
  const auto found = server.find(name, {{"model", model}});
  if (found.empty() || std::isnan(found.front()->mean) || requests <= 0) return 0;
  return found.front()->mean * 1e6 * std::min(1.0, found.front()->total / requests);
}

void hone_breakdowns(const report::ServerMetrics& server, std::vector<ServerBreakdown>& out) {
  for (const auto* series : server.find("hone_request_duration_seconds")) {
    if (series->total <= 0) continue;
    ServerBreakdown b;
    b.model = series->label("model");
    b.source = "hone";
    b.requests = series->total;
    b.total_us = series->mean * 1e6;
    const auto stage = [&](monitor::Stage s) {
      return per_request_us(server, monitor::info_of(s).metric, b.model, b.requests);
    };
    b.queue_us = stage(monitor::Stage::kQueue);
    b.compute_us = stage(monitor::Stage::kCompute) + stage(monitor::Stage::kUpstream);
    b.serialize_us = stage(monitor::Stage::kSerialize);
    b.input_us = stage(monitor::Stage::kDecode);
    const auto rows = server.find("hone_batch_rows", {{"model", b.model}});
    if (!rows.empty() && !std::isnan(rows.front()->mean)) b.batch_rows = rows.front()->mean;
    const auto pending = server.find("hone_pending_requests", {{"model", b.model}});
    if (!pending.empty() && !pending.front()->points.empty()) {
      b.pending_max = pending.front()->max;
      b.pending_first = pending.front()->points.front().value;
      b.pending_last = pending.front()->points.back().value;
    }
    out.push_back(b);
  }
}

// Triton exports cumulative microsecond counters per model; a mean is increase / requests.
void triton_breakdowns(const report::ServerMetrics& server, std::vector<ServerBreakdown>& out) {
  for (const auto* series : server.find("nv_inference_request_success")) {
    if (series->total <= 0) continue;
    ServerBreakdown b;
    b.model = series->label("model");
    b.source = "triton";
    b.requests = series->total;
    const report::PromLabels match = {{"model", b.model}};
    const auto per_request = [&](const char* name) {
      return total_of(server, name, match) / b.requests;
    };
    b.total_us = per_request("nv_inference_request_duration_us");
    b.queue_us = per_request("nv_inference_queue_duration_us");
    b.input_us = per_request("nv_inference_compute_input_duration_us");
    b.compute_us = per_request("nv_inference_compute_infer_duration_us");
    b.serialize_us = per_request("nv_inference_compute_output_duration_us");
    const double executions = total_of(server, "nv_inference_exec_count", match);
    if (executions > 0) b.batch_rows = total_of(server, "nv_inference_count", match) / executions;
    out.push_back(b);
  }
}

}  // namespace

double median_of(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

RunFacts gather_facts(const report::LoadResult& result) {
  RunFacts facts;
  facts.duration_s = result.duration_s;
  facts.open_model = result.schedule.model == "open";
  facts.offered_rps = facts.open_model ? result.schedule.target_rps : 0;
  const report::Stats& total = result.total;
  facts.requests = static_cast<double>(total.requests);
  facts.ok = static_cast<double>(total.ok);
  facts.failed = static_cast<double>(total.failed);
  if (total.latency.count() > 0) {
    facts.p50_us = static_cast<double>(total.latency.value_at_percentile(50));
    facts.p99_us = static_cast<double>(total.latency.value_at_percentile(99));
    facts.mean_us = total.latency.mean();
    facts.service_mean_us = total.service.mean();
  }
  for (const auto& row : result.timeline) {
    SecondFacts s;
    s.t = row.second;
    s.requests = static_cast<double>(row.requests);
    s.ok = static_cast<double>(row.ok);
    s.failed = static_cast<double>(row.failed);
    auto histogram = HdrHistogram::from_sparse(row.latency);
    if (histogram && histogram->count() > 0) {
      s.answered = static_cast<double>(histogram->count());
      s.p50_us = static_cast<double>(histogram->value_at_percentile(50));
      s.p99_us = static_cast<double>(histogram->value_at_percentile(99));
      s.mean_us = histogram->mean();
    }
    facts.seconds.push_back(s);
  }
  const report::ServerMetrics& server = result.server;
  if (!server.empty()) {
    hone_breakdowns(server, facts.models);
    triton_breakdowns(server, facts.models);
    std::sort(
        facts.models.begin(), facts.models.end(),
        [](const ServerBreakdown& a, const ServerBreakdown& b) { return a.requests > b.requests; });
    if (!server.find("hone_cache_hits_total").empty()) {
      const double l1_hits = total_of(server, "hone_cache_hits_total", {{"layer", "l1"}});
      const double l2_hits = total_of(server, "hone_cache_hits_total", {{"layer", "l2"}});
      const double l1_misses = total_of(server, "hone_cache_misses_total", {{"layer", "l1"}});
      facts.cache_hits = l1_hits + l2_hits;
      facts.cache_misses = std::max(0.0, l1_misses - l2_hits);
      facts.cache_evictions = total_of(server, "hone_cache_evictions_total");
    }
  }
  double distinct = 0;
  for (const auto& endpoint : result.endpoints) {
    if (endpoint.distinct_inputs < 0) continue;
    facts.body_requests += static_cast<double>(endpoint.stats.requests);
    distinct += static_cast<double>(endpoint.distinct_inputs);
  }
  if (facts.body_requests > 0) facts.repeat_ratio = 1 - distinct / facts.body_requests;
  return facts;
}

}  // namespace hone::analyze
