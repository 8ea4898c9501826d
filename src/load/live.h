// What the engine threads share with the progress line while a run goes: running totals
// (atomics, updated per request) and each finished second's row (merged under a lock, once per
// second per thread).
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>

#include "report/result.h"

namespace hone::load {

class LiveBoard {
 public:
  void count(bool failed) {
    requests_.fetch_add(1, std::memory_order_relaxed);
    if (failed) failed_.fetch_add(1, std::memory_order_relaxed);
  }
  std::int64_t requests() const { return requests_.load(std::memory_order_relaxed); }
  std::int64_t failed() const { return failed_.load(std::memory_order_relaxed); }

  void publish(const report::TimelineRow& row);
  // The merged row of `second`, if any thread has published one.
  std::optional<report::TimelineRow> row(std::int64_t second) const;

 private:
  std::atomic<std::int64_t> requests_{0};
  std::atomic<std::int64_t> failed_{0};
  mutable std::mutex mutex_;
  std::map<std::int64_t, report::TimelineRow> recent_;  // the last few seconds only
};

}  // namespace hone::load
