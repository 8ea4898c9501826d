#include "monitor/model_metrics.h"

#include <algorithm>

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

void ModelMetrics::Total::add(std::chrono::steady_clock::duration d) {
  count.add(1);
  ns.add(
      std::max<std::int64_t>(0, std::chrono::duration_cast<std::chrono::nanoseconds>(d).count()));
}

TimeTotal ModelMetrics::Total::value() const { return {count.value(), ns.value()}; }

void ModelMetrics::count_status(int status) {
  pending_.add(-1);
  by_status_[slot_of(status)].add(1);
}

void ModelMetrics::succeeded(const Trace& trace, std::size_t batch_rows_served) {
  count_status(200);
  e2e_us.record(micros(trace.written - trace.received));
  queue_us.record(micros(trace.batch_start - trace.queued));
  compute_us.record(micros(trace.compute_end - trace.batch_start));
  serialize_us.record(micros(trace.serialized - trace.compute_end));
  if (batch_rows_served > 0) batch_rows.record(batch_rows_served);

  success_.add(trace.written - trace.received);
  last_inference_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count(),
                           std::memory_order_relaxed);
  if (trace.cache == Trace::Cache::kHit) {
    cache_hit_.add(trace.looked_up - trace.parsed);
    return;
  }
  if (trace.cache == Trace::Cache::kMiss) cache_miss_.add(trace.looked_up - trace.parsed);
  input_.add(trace.parsed - trace.received);
  queue_.add(trace.batch_start - trace.queued);
  infer_.add(trace.compute_end - trace.batch_start);
  output_.add(trace.serialized - trace.compute_end);
}

void ModelMetrics::failed(int status, Trace::TimePoint received, Trace::TimePoint now) {
  count_status(status);
  fail_.add(now - received);
}

void ModelMetrics::executed(std::size_t rows, std::chrono::nanoseconds gather,
                            std::chrono::nanoseconds compute, std::chrono::nanoseconds scatter) {
  std::lock_guard lock(executions_mutex_);
  ++executions_.executions;
  executions_.inferences += static_cast<std::int64_t>(rows);
  ExecutionTotal& total = executions_.by_rows[rows];
  ++total.count;
  total.gather_ns += gather.count();
  total.compute_ns += compute.count();
  total.scatter_ns += scatter.count();
}

RequestTotals ModelMetrics::request_totals() const {
  return {success_.value(), fail_.value(),   queue_.value(),     input_.value(),
          infer_.value(),   output_.value(), cache_hit_.value(), cache_miss_.value()};
}

ExecutionTotals ModelMetrics::execution_totals() const {
  std::lock_guard lock(executions_mutex_);
  ExecutionTotals out = executions_;
  out.last_inference_ms = last_inference_ms_.load(std::memory_order_relaxed);
  return out;
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
