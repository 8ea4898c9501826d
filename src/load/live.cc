#include "load/live.h"

namespace hone::load {

void LiveBoard::publish(const report::TimelineRow& row) {
  std::lock_guard lock(mutex_);
  report::TimelineRow& mine = recent_[row.second];
  mine.second = row.second;
  mine.requests += row.requests;
  mine.ok += row.ok;
  mine.failed += row.failed;
  mine.bytes_in += row.bytes_in;
  HdrHistogram::merge_sparse(mine.latency, row.latency);
  while (recent_.size() > 8) recent_.erase(recent_.begin());
}

std::optional<report::TimelineRow> LiveBoard::row(std::int64_t second) const {
  std::lock_guard lock(mutex_);
  const auto it = recent_.find(second);
  if (it == recent_.end()) return std::nullopt;
  return it->second;
}

}  // namespace hone::load
