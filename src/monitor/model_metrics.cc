#include "monitor/model_metrics.h"

namespace hone::monitor {
namespace {

std::uint64_t micros(std::chrono::steady_clock::duration duration) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  return us > 0 ? static_cast<std::uint64_t>(us) : 0;
}

}  // namespace

std::size_t ModelMetrics::slot_of(int status) {
  for (std::size_t i = 0; i + 1 < kStatuses.size(); ++i) {
    if (kStatuses[i] == status) return i;
  }
  return kStatuses.size() - 1;  // any other status
}

void ModelMetrics::finished(int status, const Trace* trace, std::size_t batch_rows_served) {
  pending_.add(-1);
  by_status_[slot_of(status)].add(1);
  if (trace == nullptr) return;
  e2e_us.record(micros(trace->written - trace->received));
  queue_us.record(micros(trace->batch_start - trace->queued));
  compute_us.record(micros(trace->compute_end - trace->batch_start));
  serialize_us.record(micros(trace->serialized - trace->compute_end));
  if (batch_rows_served > 0) batch_rows.record(batch_rows_served);
}

std::map<int, std::int64_t> ModelMetrics::statuses() const {
  std::map<int, std::int64_t> out;
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    const auto count = by_status_[i].value();
    if (count > 0) out[kStatuses[i]] = count;
  }
  return out;
}

std::int64_t ModelMetrics::requests() const {
  std::int64_t total = 0;
  for (const auto& counter : by_status_) total += counter.value();
  return total;
}

std::int64_t ModelMetrics::failures() const {
  std::int64_t total = 0;
  for (std::size_t i = 0; i < kStatuses.size(); ++i) {
    if (kStatuses[i] >= 400 || kStatuses[i] == 0) total += by_status_[i].value();
  }
  return total;
}

}  // namespace hone::monitor
