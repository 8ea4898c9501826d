// Scrapes a Prometheus text endpoint (hone serve's /metrics, a FastAPI app's, Triton's) during a
// load run, on its own thread so that the load's event loops never wait for it: once when
// started, every `interval` after, and once more when stopped, so that counters cover the whole
// run. A scrape that fails (refused, timed out, not 200, not the text format) is a gap with its
// reason; it never fails the run.
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include "load/plan.h"
#include "report/server_metrics.h"

namespace hone::load {

class MetricsScraper {
 public:
  explicit MetricsScraper(ScrapeSettings settings);
  ~MetricsScraper();
  MetricsScraper(const MetricsScraper&) = delete;
  MetricsScraper& operator=(const MetricsScraper&) = delete;

  // Scrapes once (the baseline, before any request of the run is sent), then every interval on
  // the scraping thread.
  void start();
  // Scrapes a last time, joins the thread and returns the series.
  report::ServerMetrics stop();

 private:
  void run();
  void scrape_once();

  ScrapeSettings settings_;
  report::ServerMetricsRecorder recorder_;
  struct Connection;
  std::unique_ptr<Connection> connection_;  // used by the scraping thread only
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace hone::load
