// Results with known contents for report tests.
#pragma once

#include <random>

#include "report/result.h"

namespace hone::report::test {

inline LoadResult make_result(unsigned seed, std::int64_t requests,
                              std::int64_t started_ms = 1'700'000'000'000) {
  LoadResult result;
  result.version = "0.1.0";
  result.target = "http://127.0.0.1:8000";
  result.config_json = R"({"thresholds":["p99<1s"]})";
  result.started_ms = started_ms;
  result.duration_s = 10;
  result.schedule.model = "open";
  result.schedule.target_rps = static_cast<double>(requests) / 10;
  result.schedule.intended = requests;
  result.schedule.sent = requests;
  result.endpoints.push_back({"predict", {}, 0});
  result.endpoints.push_back({"health", {}, 0});
  std::mt19937 engine(seed);
  std::lognormal_distribution<double> latency(6, 1);
  for (std::int64_t i = 0; i < requests; ++i) {
    Stats& stats = result.endpoints[static_cast<std::size_t>(i % 2)].stats;
    const auto us = std::max<std::int64_t>(1, static_cast<std::int64_t>(latency(engine)));
    const bool failed = i % 50 == 0;
    stats.latency.record(us);
    stats.service.record(std::max<std::int64_t>(1, us / 2));
    ++stats.requests;
    ++stats.by_status[failed ? 500 : 200];
    if (failed) {
      ++stats.failed;
      ++stats.failed_by_status[500];
      ++stats.by_kind[kErrorCheck];
    } else {
      ++stats.ok;
      stats.latency_ok.record(us);
    }
    stats.bytes_in += 100;
    stats.bytes_out += 50;
    result.schedule.lag.record(std::max<std::int64_t>(1, us / 10));
    TimelineRow row;
    row.second = started_ms / 1000 + i % 10;
    row.requests = 1;
    row.ok = failed ? 0 : 1;
    row.failed = failed ? 1 : 0;
    row.bytes_in = 100;
    HdrHistogram h = make_timeline_histogram();
    h.record(us);
    row.latency = h.to_sparse();
    add_timeline_row(result.timeline, row);
  }
  for (const auto& endpoint : result.endpoints) result.total.add(endpoint.stats);
  return result;
}

}  // namespace hone::report::test
