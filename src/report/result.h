// The outcome of a load run, as kept in memory and in result files: statistics in total and per
// endpoint (HDR histograms of latency from the intended send time and of service time from the
// actual send, counts by status and by error kind, bytes), a per-second timeline, and how well
// the generator kept to its schedule; and the server's own metrics when they were scraped.
// Everything merges exactly (counts and histograms add); of server metrics, shards of one run
// scraped the same server, so a merge keeps the first shard's.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/hdr_histogram.h"
#include "report/server_metrics.h"

namespace hone::report {

// Layouts shared by every histogram of a result (merging needs identical layouts).
HdrHistogram make_latency_histogram();   // 1 us .. 1 h, 3 significant digits
HdrHistogram make_timeline_histogram();  // 1 us .. 1 h, 2 significant digits (per second)

// Error kinds of requests that got no usable answer, or an unwanted one.
inline constexpr const char* kErrorConnect = "connect";
inline constexpr const char* kErrorTimeout = "timeout";
inline constexpr const char* kErrorReset = "reset";
inline constexpr const char* kErrorCheck = "check failed";
inline constexpr const char* kErrorProtocol = "protocol";

struct Stats {
  HdrHistogram latency = make_latency_histogram();  // us, from the intended send time
  HdrHistogram service = make_latency_histogram();  // us, from the actual send
  // us, from the intended send time, of the answers that counted as success only (k6's
  // http_req_duration{expected_response:true}): under overload, fast refusals do not hide them.
  HdrHistogram latency_ok = make_latency_histogram();
  std::int64_t requests = 0;  // finished: answered or failed
  std::int64_t ok = 0;
  std::int64_t failed = 0;
  std::int64_t bytes_in = 0;
  std::int64_t bytes_out = 0;
  std::map<int, std::int64_t> by_status;         // every answer's status
  std::map<int, std::int64_t> failed_by_status;  // answers that counted as failures
  std::map<std::string, std::int64_t> by_kind;   // failures by kind

  void add(const Stats& other);
};

// One endpoint's share of a second.
struct EndpointSecond {
  std::int64_t requests = 0;
  std::int64_t ok = 0;
  std::int64_t failed = 0;
  HdrHistogram::Sparse latency;  // as TimelineRow::latency
};

struct TimelineRow {
  std::int64_t second = 0;  // Unix time of the second the requests finished in
  std::int64_t requests = 0;
  std::int64_t ok = 0;
  std::int64_t failed = 0;
  std::int64_t bytes_in = 0;
  HdrHistogram::Sparse latency;  // a make_timeline_histogram() layout, kept sparse
  // By endpoint name, when the run has several endpoints (with one, the row is that endpoint's).
  std::map<std::string, EndpointSecond> endpoints;
};

// From this share of the machine's CPU time kept by its hypervisor, hone load warns and hone
// analyze reports cpu_stolen.
inline constexpr double kStolenShareWarning = 0.05;

// What tells a generator that had more to do than it could from one that waited for answers:
// the CPU time its threads used, and the CPU time the machine's hypervisor kept from the
// machine meanwhile (steal: a virtual CPU waiting for its host stops every thread on it).
struct GeneratorCpu {
  double used_s = 0;  // CPU time the generator's threads used
  int threads = 0;
  double machine_steal_s = 0;  // CPU time the hypervisor kept from the machine, all CPUs
  int machine_cpus = 0;        // 0: not recorded

  // The share of the machine's CPU time over `duration_s` the hypervisor kept (0 to 1).
  double stolen_share(double duration_s) const;
  // The threads' CPU time over the time they could have run: their wall time less the share
  // the hypervisor kept (0 when not recorded).
  double busy(double duration_s) const;
};

// How the generator kept to its plan (open model: intended send times).
struct Schedule {
  std::string model;          // "open" (rate) or "closed" (concurrency)
  double target_rps = 0;      // mean of the rate profile over the run (open model)
  std::int64_t intended = 0;  // requests the schedule asked for
  std::int64_t sent = 0;      // requests actually sent
  HdrHistogram lag = make_latency_histogram();  // actual send - intended send, us
  std::int64_t lag_when_connections_free = 0;   // lagging sends while a connection was idle
  std::int64_t max_connections = 0;             // most connections open at once
  std::int64_t connections_opened = 0;          // connection attempts over the run
  GeneratorCpu cpu;
};

struct EndpointResult {
  std::string name;
  Stats stats;
  double duration_s = 0;  // when measured apart from the rest (hone load suite); 0: the run's
  // Distinct request bodies sent (-1: the endpoint sends none, or the file predates counting).
  // Not exact when merged from shards (each counted its own) or past the generator's bound.
  std::int64_t distinct_inputs = -1;
  bool distinct_exact = true;
};

struct LoadResult {
  std::string tool = "hone";
  std::string version;
  std::string target;           // base URL
  std::string config_json;      // the run's settings, as a JSON object (kept verbatim)
  std::int64_t started_ms = 0;  // Unix time in milliseconds
  double duration_s = 0;        // wall time of the measured run
  Stats total;
  std::vector<EndpointResult> endpoints;
  std::vector<TimelineRow> timeline;
  Schedule schedule;
  int shards = 1;        // how many result files were merged into this one
  ServerMetrics server;  // scraped during the run (--metrics-url); empty otherwise

  double rps() const;
  double error_rate() const;  // failed / requests
  Stats* endpoint(const std::string& name);
};

// Adds `row` into a timeline kept sorted by second.
void add_timeline_row(std::vector<TimelineRow>& timeline, const TimelineRow& row);

// One endpoint's seconds over the whole timeline ("" for the whole run), a second without its
// requests included as zero: what per-second statistics of one endpoint are computed from.
std::vector<EndpointSecond> seconds_of(const LoadResult& result, const std::string& endpoint);

}  // namespace hone::report
