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

void ModelMetrics::succeeded(const Trace& trace) {
  count_status(200);
  e2e_us.record(micros(trace.written - trace.received));
  success_.add(trace.written - trace.received);
  if (trace.batch_rows > 0) batch_rows.record(trace.batch_rows);
  auto& totals = stage_totals_[static_cast<std::size_t>(trace.path)];
  for (std::size_t i = 0; i < kStageCount; ++i) {
    const auto stage = static_cast<Stage>(i);
    if (!trace.has(stage)) continue;
    const auto spent = trace.span(stage).end - trace.span(stage).start;
    stage_us_[i].record(micros(spent));
    totals[i].add(spent);
  }
  last_inference_ms_.store(std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count(),
                           std::memory_order_relaxed);
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

TimeTotal ModelMetrics::stage_total(Path path, Stage stage) const {
  return stage_totals_[static_cast<std::size_t>(path)][index_of(stage)].value();
}

RequestTotals ModelMetrics::request_totals() const {
  const auto sum = [](TimeTotal a, TimeTotal b) {
    return TimeTotal{a.count + b.count, a.ns + b.ns};
  };
  // A lookup is L1's, with Redis's time added when L1 missed: counted once, timed in full.
  const auto lookups = [&](Path path) {
    TimeTotal total = stage_total(path, Stage::kLookup);
    total.ns += stage_total(path, Stage::kRedis).ns;
    return total;
  };
  RequestTotals out;
  out.success = success_.value();
  out.fail = fail_.value();
  out.compute_input = stage_total(Path::kComputed, Stage::kDecode);
  out.queue = stage_total(Path::kComputed, Stage::kQueue);
  out.compute_infer = sum(stage_total(Path::kComputed, Stage::kCompute),
                          stage_total(Path::kComputed, Stage::kUpstream));
  out.compute_output = stage_total(Path::kComputed, Stage::kSerialize);
  out.cache_hit = lookups(Path::kCached);
  out.cache_miss = sum(lookups(Path::kComputed), lookups(Path::kCoalesced));
  return out;
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
