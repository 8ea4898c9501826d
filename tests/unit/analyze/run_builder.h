// Builds LoadResults request by request, as the load generator records them (totals, endpoints,
// per-second rows with each endpoint's share), for analysis and comparison tests.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "report/result.h"

namespace hone::analyze::test {

class RunBuilder {
 public:
  explicit RunBuilder(std::vector<std::string> endpoints = {"predict"},
                      std::int64_t started_s = 1'800'000'000)
      : started_s_(started_s) {
    result_.target = "http://127.0.0.1:8000";
    result_.config_json = "{}";
    result_.started_ms = started_s * 1000;
    result_.schedule.model = "open";
    for (auto& name : endpoints) result_.endpoints.push_back({name, {}, 0});
  }

  // A request of endpoint `e` that finished in second `s` of the run after `latency_us`.
  void add(int s, std::size_t e, std::int64_t latency_us, bool failed = false, int status = 200) {
    report::Stats& stats = result_.endpoints.at(e).stats;
    ++stats.requests;
    ++stats.by_status[status];
    if (failed) {
      ++stats.failed;
      ++stats.failed_by_status[status];
      ++stats.by_kind[report::kErrorCheck];
    } else {
      ++stats.ok;
    }
    stats.latency.record(latency_us);
    stats.service.record(latency_us);
    Second& second = seconds_[s];
    ++second.requests;
    (failed ? second.failed : second.ok) += 1;
    second.latency.record(latency_us);
    Second& own = second.endpoints[result_.endpoints[e].name];
    ++own.requests;
    (failed ? own.failed : own.ok) += 1;
    own.latency.record(latency_us);
    ++result_.schedule.intended;
    ++result_.schedule.sent;
    result_.schedule.lag.record(1);
  }

  report::LoadResult build(double duration_s) {
    report::LoadResult out = result_;
    out.duration_s = duration_s;
    out.schedule.target_rps = static_cast<double>(out.schedule.intended) / duration_s;
    for (const auto& e : out.endpoints) out.total.add(e.stats);
    for (auto& [s, second] : seconds_) {
      report::TimelineRow row;
      row.second = started_s_ + s;
      row.requests = second.requests;
      row.ok = second.ok;
      row.failed = second.failed;
      row.latency = second.latency.to_sparse();
      if (out.endpoints.size() > 1) {
        for (auto& [name, own] : second.endpoints) {
          row.endpoints[name] = {own.requests, own.ok, own.failed, own.latency.to_sparse()};
        }
      }
      report::add_timeline_row(out.timeline, row);
    }
    return out;
  }

  report::LoadResult& result() { return result_; }

 private:
  struct Second {
    std::int64_t requests = 0;
    std::int64_t ok = 0;
    std::int64_t failed = 0;
    HdrHistogram latency = report::make_timeline_histogram();
    std::map<std::string, Second> endpoints;
  };
  std::int64_t started_s_;
  report::LoadResult result_;
  std::map<int, Second> seconds_;
};

}  // namespace hone::analyze::test
