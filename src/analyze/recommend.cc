#include "analyze/recommend.h"

#include <algorithm>
#include <cstdio>

namespace hone::analyze {
namespace {

std::string format(const char* pattern, double a, double b = 0, double c = 0) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, a, b, c);
  return text;
}

std::string ms(double us) { return format("%.2f ms", us / 1000); }

double evidence(const Finding& f, const std::string& name) {
  for (const auto& e : f.evidence) {
    if (e.name == name) return e.value;
  }
  return 0;
}

Recommendation for_cache(const Finding& f, const RunFacts& facts) {
  Recommendation r;
  r.finding = f.kind;
  const double repeats = facts.repeat_ratio.value_or(0);
  if (evidence(f, "lookups") > 0) {
    r.action = facts.cache_evictions.value_or(0) > 0 ? "give the response cache more memory"
                                                     : "keep cached answers longer (the cache TTL)";
    r.config = facts.cache_evictions.value_or(0) > 0 ? "hone serve --cache-size 256MiB"
                                                     : "config.yaml: cache: {ttl: 3600s}";
    r.expected = format("up to %.0f%% of requests answered from the cache instead of %.0f%%",
                        100 * repeats, 100 * evidence(f, "hit rate"));
    return r;
  }
  r.action = "turn the response cache on";
  r.config = "config.yaml: cache: {enabled: true} (or hone serve --cache)";
  // A hit costs what the request costs outside the model: the round trip and the server's
  // reading and writing. From the server's breakdown when it was scraped.
  if (!facts.models.empty()) {
    const ServerBreakdown& b = facts.models.front();
    const double hit_us = std::max(0.0, facts.mean_us - b.queue_us - b.compute_us - b.input_us);
    const double expected = (1 - repeats) * facts.mean_us + repeats * hit_us;
    r.expected = format("%.0f%% of requests answered from memory: mean latency ", 100 * repeats) +
                 ms(facts.mean_us) + " -> about " + ms(expected);
  } else {
    r.expected = format("%.0f%% of requests need not reach the model", 100 * repeats);
  }
  return r;
}

Recommendation for_queueing(const Finding& f, const RunFacts& facts) {
  Recommendation r;
  r.finding = f.kind;
  const double queue = evidence(f, "queue");
  const double rows = facts.models.empty() ? 0 : facts.models.front().batch_rows;
  if (queue > 0 && rows > 0 && rows <= 1.5) {
    r.action = "shorten the batching delay, or turn batching off: batches hold one row anyway";
    r.config = "config.yaml: batching: {max_queue_delay: 0us} (or remove batching)";
    r.expected = "mean latency " + ms(facts.mean_us) + " -> about " + ms(facts.mean_us - queue);
  } else if (queue > 0) {
    r.action = "add capacity: requests wait for the model";
    r.config = "config.yaml: batching: {workers: 2}, or more instances";
    r.expected = "up to " + ms(queue) + " less mean latency";
  } else if (evidence(f, "waiting to be sent") > 0 &&
             f.summary.find("waiting to be sent") != std::string::npos) {
    r.action = "add capacity, or more connections if the server has spare CPU";
    r.config = "hone load --connections N; hone serve --threads N";
    r.expected = "up to " + ms(evidence(f, "waiting to be sent")) + " less mean latency";
  } else {
    return {};
  }
  return r;
}

// The example sweep that measures a change of this kind on the demo models.
std::string sweep_for(const Recommendation& r) {
  if (r.config.find("cache") != std::string::npos) return "examples/sweeps/cache.yaml";
  if (r.config.find("batching") != std::string::npos) return "examples/sweeps/batching.yaml";
  if (r.config.find("--threads") != std::string::npos) return "examples/sweeps/threads.yaml";
  return "";
}

}  // namespace

std::vector<Recommendation> recommend(const std::vector<Finding>& findings, const RunFacts& facts) {
  std::vector<Recommendation> out;
  bool batching_delay_said = false;  // queueing may already have said it
  for (const Finding& f : findings) {
    Recommendation r;
    r.finding = f.kind;
    if (f.kind == "cache_ineffective") {
      r = for_cache(f, facts);
    } else if (f.kind == "queueing") {
      r = for_queueing(f, facts);
      batching_delay_said = r.config.find("max_queue_delay") != std::string::npos;
    } else if (f.kind == "server_saturated") {
      r.action = "add capacity (I/O threads, workers or instances), or offer less";
      r.config = "hone serve --threads N; several instances behind a balancer";
      r.expected = format("this server sustains about %.0f req/s at its early latency",
                          evidence(f, "capacity (knee)"));
    } else if (f.kind == "generator_saturated") {
      r.action = "give the load generator more CPU, or split the load over machines";
      r.config = "hone load --threads N, or --shard i/N on N machines";
      r.expected = "latencies without the generator's own send lag (p99 " +
                   ms(evidence(f, "send lag p99")) + " now)";
    } else if (f.kind == "periodic_stall") {
      r.action = format(
          "find the work that runs every %.0f s (garbage collection, cache expiry, a "
          "cron job, Redis persistence) and spread or remove it",
          evidence(f, "period"));
      r.expected = "p99 " + ms(evidence(f, "p99 in stall seconds")) +
                   " in those seconds -> about " + ms(evidence(f, "p99 otherwise"));
    } else if (f.kind == "cold_start") {
      r.action = "warm the model up before taking traffic";
      r.config = "config.yaml: warmup: {rounds: 100}";
      r.expected = "first seconds' p50 " + ms(evidence(f, "p50, first seconds")) + " -> about " +
                   ms(evidence(f, "p50, afterwards"));
    } else if (f.kind == "batching_ineffective") {
      const bool waiting = f.severity != Severity::kLow;
      if (waiting && batching_delay_said) continue;
      r.action = waiting ? "shorten the batching delay: requests wait without company"
                         : "batch more rows per call: allow a short batching delay";
      r.config = waiting ? "config.yaml: batching: {max_queue_delay: 100us}"
                         : "config.yaml: batching: {max_batch_size: 64, max_queue_delay: 500us}";
      r.expected = waiting ? "up to " + ms(evidence(f, "queue")) + " less server time"
                           : "more rows per backend call, fewer calls per request";
    } else if (f.kind == "errors") {
      if (evidence(f, "status 503") > 0) {
        r.action = "the server shed load (503): add capacity or raise its queue bound";
        r.config = "config.yaml: batching: {max_queue_size: N}";
      } else if (evidence(f, "timeout") > 0) {
        r.action = "requests timed out: add capacity, or raise the client timeout";
        r.config = "hone load --timeout 60s";
      } else if (evidence(f, "connect") > 0) {
        r.action = "connections were refused: check the server is up and its connection limit";
      } else {
        r.action = "look at the failing requests (their statuses are in the finding)";
      }
      r.expected = format("an error rate of 0 instead of %.2f%%", 100 * evidence(f, "error rate"));
    } else if (f.kind == "connection_churn") {
      r.action = "keep connections alive: raise the server's keep-alive or idle timeout";
      r.config = "hone serve --idle-timeout 60s";
      r.expected = format("%.0f fewer connection set-ups", evidence(f, "connections opened"));
    } else if (f.kind == "cpu_stolen") {
      r.action =
          "measure from machines with dedicated CPUs, or repeat the run and compare: another "
          "tenant of the host took CPU time";
      r.expected = format("latencies without the host's pauses (%.0f%% of the CPU time now)",
                          100 * evidence(f, "CPU time stolen"));
    }
    if (!r.action.empty()) {
      r.sweep = sweep_for(r);
      out.push_back(std::move(r));
    }
  }
  return out;
}

}  // namespace hone::analyze
