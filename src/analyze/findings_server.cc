// Rules that read the server's side: its stage breakdown, cache counters and batch sizes (from
// the series --metrics-url scraped), and the inputs the run sent.
#include <algorithm>
#include <cstdio>

#include "analyze/findings.h"

namespace hone::analyze {
namespace {

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

struct Part {
  const char* name;
  double us;
};

}  // namespace

void find_queueing(const report::LoadResult&, const RunFacts& facts, std::vector<Finding>& out) {
  if (facts.models.empty() || facts.mean_us <= 0) return;
  const ServerBreakdown& b = facts.models.front();
  const double server_other =
      std::max(0.0, b.total_us - b.queue_us - b.compute_us - b.serialize_us - b.input_us);
  const std::vector<Part> parts = {
      {"queue", b.queue_us},
      {"compute", b.compute_us + b.input_us},
      {"serialize", b.serialize_us},
      {"server other (read, decode, write)", server_other},
      {"network and client", std::max(0.0, facts.service_mean_us - b.total_us)},
      {"waiting to be sent", std::max(0.0, facts.mean_us - facts.service_mean_us)}};
  const auto top = std::max_element(parts.begin(), parts.end(),
                                    [](const Part& x, const Part& y) { return x.us < y.us; });
  const double share = top->us / facts.mean_us;
  const double queue_share = b.queue_us / facts.mean_us;
  const std::string dominant = top->name;
  Severity severity = Severity::kLow;
  if (dominant == "queue" && share >= 0.5) {
    severity = Severity::kHigh;
  } else if (queue_share >= 0.3 || (dominant == "waiting to be sent" && share >= 0.5)) {
    severity = Severity::kMedium;
  } else if (share < 0.5) {
    return;  // nothing dominates
  }
  Finding f;
  f.kind = "queueing";
  f.severity = severity;
  const Part& lead = queue_share >= 0.3 && dominant != "queue" ? parts[0] : *top;
  f.summary = format("%.0f%% of the mean latency (%.2f ms) is ", 100 * lead.us / facts.mean_us,
                     facts.mean_us / 1000) +
              lead.name + " time, on model '" + b.model + "'";
  if (std::string(lead.name) == "compute") f.summary += ": the model itself is the cost";
  if (std::string(lead.name) == "waiting to be sent") {
    f.summary += ": requests waited for a free connection (the server answered too slowly)";
  }
  f.evidence.push_back({"mean latency", facts.mean_us, "us"});
  for (const Part& p : parts) f.evidence.push_back({p.name, p.us, "us"});
  out.push_back(f);
}

void find_cache_ineffective(const report::LoadResult&, const RunFacts& facts,
                            std::vector<Finding>& out) {
  const double lookups = facts.cache_hits.value_or(0) + facts.cache_misses.value_or(0);
  const double repeats = facts.repeat_ratio.value_or(0);
  Finding f;
  f.kind = "cache_ineffective";
  if (lookups >= 100) {
    const double hit_rate = *facts.cache_hits / lookups;
    if (hit_rate >= 0.2 && !(facts.repeat_ratio && repeats >= hit_rate + 0.3)) return;
    f.severity =
        facts.repeat_ratio && repeats >= hit_rate + 0.3 ? Severity::kHigh : Severity::kMedium;
    f.summary =
        format("the response cache answered %.1f%% of %.0f lookups", 100 * hit_rate, lookups);
    if (facts.repeat_ratio) {
      f.summary += format(" while %.0f%% of the requests repeated an earlier input", 100 * repeats);
      if (facts.cache_evictions.value_or(0) > 0) {
        f.summary += format(": it evicted %.0f entries (too small)", *facts.cache_evictions);
      } else {
        f.summary += ": entries expired before they were asked again (TTL too short?)";
      }
    }
    f.evidence = {{"hit rate", hit_rate, "ratio"}, {"lookups", lookups, "count"}};
    if (facts.repeat_ratio) f.evidence.push_back({"repeated inputs", repeats, "ratio"});
    if (facts.cache_evictions) f.evidence.push_back({"evictions", *facts.cache_evictions, "count"});
    out.push_back(f);
    return;
  }
  // No cache answered anything: would one have?
  if (!facts.repeat_ratio || facts.body_requests < 100 || repeats < 0.2) return;
  f.severity = repeats >= 0.5 ? Severity::kHigh : Severity::kMedium;
  f.summary = format("%.0f%% of the requests repeated an earlier input", 100 * repeats) +
              (facts.cache_hits ? ", and no response cache answered them"
                                : ": a response cache could answer them");
  f.evidence = {{"repeated inputs", repeats, "ratio"},
                {"requests with a body", facts.body_requests, "count"}};
  if (facts.cache_hits) f.evidence.push_back({"cache lookups", lookups, "count"});
  out.push_back(f);
}

void find_batching_ineffective(const report::LoadResult&, const RunFacts& facts,
                               std::vector<Finding>& out) {
  if (facts.models.empty()) return;
  const ServerBreakdown& b = facts.models.front();
  if (b.batch_rows <= 0 || b.total_us <= 0) return;
  Finding f;
  f.kind = "batching_ineffective";
  const double queue_share = b.queue_us / b.total_us;
  const double compute_share = (b.compute_us + b.input_us) / b.total_us;
  if (b.batch_rows <= 1.5 && b.queue_us >= 100 && queue_share >= 0.2) {
    f.severity = Severity::kMedium;
    f.summary = format(
                    "backend calls held %.1f rows on average while requests waited %.0f us "
                    "(%.0f%% of their server time) for company",
                    b.batch_rows, b.queue_us, 100 * queue_share) +
                " on model '" + b.model + "'";
  } else if (b.batch_rows < 2 && compute_share >= 0.6 && b.compute_us >= 50) {
    f.severity = Severity::kLow;
    f.summary = "model '" + b.model + "' is compute-bound" +
                format(
                    " (%.0f%% of its server time) with backend calls of %.1f rows: larger "
                    "batches may raise its throughput",
                    100 * compute_share, b.batch_rows);
  } else {
    return;
  }
  f.evidence = {{"rows per backend call", b.batch_rows, "rows"},
                {"queue", b.queue_us, "us"},
                {"compute", b.compute_us + b.input_us, "us"},
                {"server time", b.total_us, "us"}};
  out.push_back(f);
}

}  // namespace hone::analyze
