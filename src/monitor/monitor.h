// The once-a-second loop of hone serve's observability: it reads every model's metrics and the
// caches' counters, samples the machine from /proc, turns them into one Second (rates and
// percentiles of that second), keeps it in the History and evaluates the alert rules.
// tick() is public so that tests drive time themselves.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "monitor/alerts.h"
#include "monitor/history.h"
#include "monitor/model_metrics.h"
#include "monitor/system_sampler.h"

namespace hone::monitor {

struct CacheCounters {
  std::int64_t hits = 0;  // cumulative, L1 and L2 together
  std::int64_t misses = 0;
};

struct MonitorSources {
  // The metrics of the models served now (called once per tick, from the monitor's thread); each
  // must stay valid while the Monitor lives, though a model may leave the list and come back.
  std::function<std::vector<const ModelMetrics*>()> models;
  std::function<CacheCounters()> cache;
  std::function<std::int64_t()> connections;
};

struct MonitorOptions {
  std::size_t retention_seconds = 3600;
  std::chrono::milliseconds interval{1000};
  std::string proc_root = "/proc";
};

class Monitor {
 public:
  Monitor(MonitorSources sources, MonitorOptions options, AlertEngine* alerts);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  void start();
  void stop();
  // One step: the second ending at `now` (Unix second `unix_s`).
  Second tick(std::chrono::steady_clock::time_point now, std::int64_t unix_s);

  const History& history() const { return history_; }
  Second latest() const;

 private:
  struct Previous {
    LogHistogram::Snapshot e2e;
    LogHistogram::Snapshot batch;
    std::int64_t requests = 0;
    std::int64_t failures = 0;
  };

  MonitorSources sources_;
  MonitorOptions options_;
  AlertEngine* alerts_;
  SystemSampler sampler_;
  History history_;
  std::map<const ModelMetrics*, Previous> previous_;  // by the models' metrics
  CacheCounters previous_cache_;
  mutable std::mutex mutex_;  // guards latest_ and the thread's state
  Second latest_;
  std::condition_variable wake_;
  bool running_ = false;
  std::thread thread_;
};

}  // namespace hone::monitor
