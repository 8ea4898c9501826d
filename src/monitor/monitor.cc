#include "monitor/monitor.h"

namespace hone::monitor {

Monitor::Monitor(MonitorSources sources, MonitorOptions options, AlertEngine* alerts)
    : sources_(std::move(sources)),
      options_(std::move(options)),
      alerts_(alerts),
      sampler_(options_.proc_root),
      history_(options_.retention_seconds) {}

Monitor::~Monitor() { stop(); }

void Monitor::start() {
  {
    std::lock_guard lock(mutex_);
    if (running_) return;
    running_ = true;
  }
  thread_ = std::thread([this] {
    auto next = std::chrono::steady_clock::now() + options_.interval;
    std::unique_lock lock(mutex_);
    while (running_) {
      if (wake_.wait_until(lock, next, [this] { return !running_; })) break;
      lock.unlock();
      const auto unix_s = std::chrono::duration_cast<std::chrono::seconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      tick(std::chrono::steady_clock::now(), unix_s);
      next += options_.interval;
      lock.lock();
    }
  });
}

void Monitor::stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    running_ = false;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

Second Monitor::tick(std::chrono::steady_clock::time_point now, std::int64_t unix_s) {
  Second second;
  second.time = unix_s;
  LogHistogram::Snapshot all;
  double batch_rows_sum = 0;
  std::uint64_t batch_count = 0;
  const std::vector<const ModelMetrics*> models =
      sources_.models ? sources_.models() : std::vector<const ModelMetrics*>{};
  for (const ModelMetrics* served : models) {
    const ModelMetrics& metrics = *served;
    // A model seen for the first time starts from zero (its metrics are new); one that comes
    // back after an unload starts from its totals when it left (metrics survive reloads).
    Previous& before = previous_[served];
    const auto e2e = metrics.e2e_us.snapshot();
    const auto batch = metrics.batch_rows.snapshot();
    const auto delta = e2e.minus(before.e2e);
    const auto batch_delta = batch.minus(before.batch);
    ModelSecond model;
    model.model = metrics.model();
    const std::int64_t requests = metrics.requests();
    const std::int64_t failures = metrics.failures();
    model.requests = requests - before.requests;
    model.failures = failures - before.failures;
    model.p50_ms = delta.percentile(50) / 1000;
    model.p95_ms = delta.percentile(95) / 1000;
    model.p99_ms = delta.percentile(99) / 1000;
    model.batch_rows = batch_delta.count > 0 ? static_cast<double>(batch_delta.sum) /
                                                   static_cast<double>(batch_delta.count)
                                             : 0;
    model.pending = metrics.pending();
    before = {e2e, batch, requests, failures};
    second.requests += model.requests;
    second.failures += model.failures;
    second.pending += model.pending;
    batch_rows_sum += static_cast<double>(batch_delta.sum);
    batch_count += batch_delta.count;
    for (std::size_t b = 0; b < all.counts.size(); ++b) all.counts[b] += delta.counts[b];
    all.count += delta.count;
    all.sum += delta.sum;
    second.models.push_back(std::move(model));
  }
  second.error_rate = second.requests > 0 ? static_cast<double>(second.failures) /
                                                static_cast<double>(second.requests)
                                          : 0;
  second.p50_ms = all.percentile(50) / 1000;
  second.p95_ms = all.percentile(95) / 1000;
  second.p99_ms = all.percentile(99) / 1000;
  second.batch_rows = batch_count > 0 ? batch_rows_sum / static_cast<double>(batch_count) : 0;
  if (sources_.cache) {
    const CacheCounters cache = sources_.cache();
    second.cache_hits = cache.hits - previous_cache_.hits;
    second.cache_misses = cache.misses - previous_cache_.misses;
    previous_cache_ = cache;
    const auto lookups = second.cache_hits + second.cache_misses;
    second.cache_hit_rate =
        lookups > 0 ? static_cast<double>(second.cache_hits) / static_cast<double>(lookups) : 0;
  }
  if (sources_.connections) second.connections = sources_.connections();
  second.system = sampler_.sample(now);
  if (alerts_ != nullptr) {
    alerts_->evaluate(second);
    second.alerts_firing = alerts_->firing();
  }
  history_.push(second);
  {
    std::lock_guard lock(mutex_);
    latest_ = second;
  }
  return second;
}

Second Monitor::latest() const {
  std::lock_guard lock(mutex_);
  return latest_;
}

}  // namespace hone::monitor
