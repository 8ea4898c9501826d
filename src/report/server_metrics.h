// The server's own metrics during a load run, scraped from a Prometheus text endpoint
// (hone load --metrics-url) and kept in the result file: each series under its Prometheus name
// and labels, counters as rates per second, gauges as values, histograms as observations per
// second with their mean and quantiles per scrape interval; and over the whole run, a counter's
// increase, a gauge's range and mean, a histogram's count, sum and quantiles. A scrape that failed
// is a gap with its reason.
//
// ServerMetricsRecorder turns successive scrapes into these series; it is fed by one thread.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "report/prom_text.h"

namespace hone::report {

inline constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

struct ServerPoint {
  std::int64_t t_ms = 0;   // Unix ms of the scrape that ended the interval
  double value = 0;        // counter: per second; gauge: value; histogram: observations/s
  double mean = kNoValue;  // histogram only: of the interval's observations (NaN: none)
  double p50 = kNoValue;
  double p90 = kNoValue;
  double p99 = kNoValue;
};

struct ServerSeries {
  std::string name;   // a histogram's family name (without _bucket, _sum, _count)
  PromLabels labels;  // without a histogram's le
  std::string type;   // "counter", "gauge" or "histogram"
  std::vector<ServerPoint> points;
  // Over the run. counter: increase in `total`; gauge: mean in `total`, with min, max, last;
  // histogram: observations in `total`, their sum, mean and quantiles.
  double total = 0;
  double sum = 0;
  double min = kNoValue;
  double max = kNoValue;
  double last = kNoValue;
  double mean = kNoValue;
  double p50 = kNoValue;
  double p90 = kNoValue;
  double p99 = kNoValue;

  // The label's value, or "" when the series has no such label.
  const std::string& label(const std::string& key) const;
};

struct ScrapeGap {
  std::int64_t t_ms = 0;
  std::string error;
};

struct ServerMetrics {
  std::string url;  // empty: nothing was scraped
  std::int64_t interval_ms = 0;
  std::int64_t scrapes = 0;  // successful ones
  std::vector<ScrapeGap> gaps;
  std::int64_t dropped_series = 0;  // beyond the recorder's bound
  std::vector<ServerSeries> series;

  bool empty() const { return url.empty(); }
  // Series named `name` whose labels include every pair of `match`.
  std::vector<const ServerSeries*> find(const std::string& name,
                                        const PromLabels& match = {}) const;
};

// The value below which `q` (0..1) of the observations lie, from cumulative buckets sorted by
// upper bound and ending with +Inf, interpolated linearly inside a bucket as Prometheus's
// histogram_quantile does; NaN without observations.
double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets);

class ServerMetricsRecorder {
 public:
  ServerMetricsRecorder(std::string url, std::int64_t interval_ms, std::size_t max_series = 5000);

  void add(std::int64_t t_ms, const PromScrape& scrape);
  void add_gap(std::int64_t t_ms, std::string error);
  ServerMetrics finish() const;

 private:
  struct Histogram {
    std::map<double, double> buckets;  // upper bound -> cumulative count
    double sum = 0;
    double count = 0;
  };
  struct State {
    ServerSeries series;
    bool seen = false;
    std::int64_t t_ms = 0;
    double value = 0;  // counter: last cumulative value
    Histogram last;
    Histogram run;  // a histogram's increases over the run, bucket by bucket
    double gauge_sum = 0;
  };

  State* state_for(const std::string& name, const PromLabels& labels, const char* type);
  void add_counter(State& state, std::int64_t t_ms, double value);
  void add_gauge(State& state, std::int64_t t_ms, double value);
  void add_histogram(State& state, std::int64_t t_ms, const Histogram& now);

  ServerMetrics metrics_;
  std::size_t max_series_;
  std::int64_t previous_scrape_ms_ = -1;  // the last successful scrape before this one
  std::map<std::string, State> states_;   // by name and labels
  std::vector<std::string> order_;        // keys in the order first seen
};

}  // namespace hone::report
