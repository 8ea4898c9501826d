#include "report/server_metrics.h"

#include <cmath>
#include <cstdlib>
#include <utility>

namespace hone::report {
namespace {

struct FamilyPart {
  std::string family;
  std::string part;  // "", "_bucket", "_sum", "_count", "_total", "_created"
};

FamilyPart family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name) != 0) return {name, ""};
  for (const char* suffix : {"_bucket", "_sum", "_count", "_total", "_created"}) {
    const std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      std::string base = name.substr(0, name.size() - s.size());
      if (types.count(base) != 0) return {std::move(base), s};
    }
  }
  return {name, ""};
}

std::string key_of(const std::string& name, const PromLabels& labels) {
  std::string key = name;
  for (const auto& [k, v] : labels) {
    key += '\x1f';
    key += k;
    key += '=';
    key += v;
  }
  return key;
}

std::vector<std::pair<double, double>> as_vector(const std::map<double, double>& buckets) {
  return {buckets.begin(), buckets.end()};
}

}  // namespace

const std::string& ServerSeries::label(const std::string& key) const {
  static const std::string kNone;
  for (const auto& [k, v] : labels) {
    if (k == key) return v;
  }
  return kNone;
}

std::vector<const ServerSeries*> ServerMetrics::find(const std::string& name,
                                                     const PromLabels& match) const {
  std::vector<const ServerSeries*> out;
  for (const auto& s : series) {
    if (s.name != name) continue;
    bool all = true;
    for (const auto& [k, v] : match) all = all && s.label(k) == v;
    if (all) out.push_back(&s);
  }
  return out;
}

double histogram_quantile(double q, const std::vector<std::pair<double, double>>& buckets) {
  if (buckets.empty() || !std::isinf(buckets.back().first)) return kNoValue;
  const double total = buckets.back().second;
  if (!(total > 0)) return kNoValue;
  const double rank = q * total;
  double lower = 0;
  double below = 0;
  for (std::size_t i = 0; i < buckets.size(); ++i) {
    const auto [bound, count] = buckets[i];
    if (count >= rank) {
      if (std::isinf(bound)) return i > 0 ? buckets[i - 1].first : kNoValue;
      if (i == 0 && bound <= 0) return bound;
      const double inside = count - below;
      if (inside <= 0) return bound;
      return lower + (bound - lower) * (rank - below) / inside;
    }
    lower = bound;
    below = count;
  }
  return buckets[buckets.size() - 2].first;
}

ServerMetricsRecorder::ServerMetricsRecorder(std::string url, std::int64_t interval_ms,
                                             std::size_t max_series)
    : max_series_(max_series) {
  metrics_.url = std::move(url);
  metrics_.interval_ms = interval_ms;
}

ServerMetricsRecorder::State* ServerMetricsRecorder::state_for(const std::string& name,
                                                               const PromLabels& labels,
                                                               const char* type) {
  std::string key = key_of(name, labels);
  auto found = states_.find(key);
  if (found != states_.end()) return found->second.series.type == type ? &found->second : nullptr;
  if (states_.size() >= max_series_) {
    ++metrics_.dropped_series;
    return nullptr;
  }
  State& state = states_[key];
  state.series.name = name;
  state.series.labels = labels;
  state.series.type = type;
  // A series that appears after the first scrape was absent before it: it counted from zero
  // since then (hone and most clients export a labelled counter only once it has counted).
  if (previous_scrape_ms_ >= 0) {
    state.seen = true;
    state.t_ms = previous_scrape_ms_;
  }
  order_.push_back(std::move(key));
  return &state;
}

void ServerMetricsRecorder::add_counter(State& state, std::int64_t t_ms, double value) {
  if (state.seen && t_ms > state.t_ms) {
    // A counter that went down was reset (the server restarted): it counted `value` since.
    const double increase = value >= state.value ? value - state.value : value;
    state.series.total += increase;
    state.series.points.push_back(
        {t_ms, increase * 1000.0 / static_cast<double>(t_ms - state.t_ms)});
  }
  state.seen = true;
  state.t_ms = t_ms;
  state.value = value;
}

void ServerMetricsRecorder::add_gauge(State& state, std::int64_t t_ms, double value) {
  ServerSeries& s = state.series;
  s.points.push_back({t_ms, value});
  s.last = value;
  s.min = std::isnan(s.min) ? value : std::min(s.min, value);
  s.max = std::isnan(s.max) ? value : std::max(s.max, value);
  state.gauge_sum += value;
}

void ServerMetricsRecorder::add_histogram(State& state, std::int64_t t_ms, const Histogram& now) {
  if (state.seen && t_ms > state.t_ms) {
    const bool reset = now.count < state.last.count;
    Histogram delta;
    delta.count = reset ? now.count : now.count - state.last.count;
    delta.sum = reset ? now.sum : now.sum - state.last.sum;
    for (const auto& [bound, count] : now.buckets) {
      const auto before = state.last.buckets.find(bound);
      const double earlier = reset || before == state.last.buckets.end() ? 0 : before->second;
      delta.buckets[bound] = std::max(0.0, count - earlier);
      state.run.buckets[bound] += delta.buckets[bound];
    }
    state.run.count += delta.count;
    state.run.sum += delta.sum;
    ServerPoint point{t_ms, delta.count * 1000.0 / static_cast<double>(t_ms - state.t_ms)};
    if (delta.count > 0) {
      const auto buckets = as_vector(delta.buckets);
      point.mean = delta.sum / delta.count;
      point.p50 = histogram_quantile(0.5, buckets);
      point.p90 = histogram_quantile(0.9, buckets);
      point.p99 = histogram_quantile(0.99, buckets);
    }
    state.series.points.push_back(point);
  }
  state.seen = true;
  state.t_ms = t_ms;
  state.last = now;
}

void ServerMetricsRecorder::add(std::int64_t t_ms, const PromScrape& scrape) {
  ++metrics_.scrapes;

  std::map<std::string, std::pair<std::pair<std::string, PromLabels>, Histogram>> histograms;
  std::vector<std::string> histogram_order;
  for (const PromSample& sample : scrape.samples) {
    const auto [family, part] = family_of(sample.name, scrape.types);
    const auto type_it = scrape.types.find(family);
    const std::string type = type_it == scrape.types.end() ? "untyped" : type_it->second;
    if (part == "_created") continue;  // OpenMetrics' creation times are not measurements
    const bool histogram_part = part == "_bucket" || part == "_sum" || part == "_count";
    if ((type == "histogram" || type == "gaugehistogram") && histogram_part) {
      PromLabels labels;
      double bound = 0;
      bool has_bound = false;
      for (const auto& [k, v] : sample.labels) {
        if (k == "le") {
          char* end = nullptr;
          bound =
              v == "+Inf" ? std::numeric_limits<double>::infinity() : std::strtod(v.c_str(), &end);
          has_bound = v == "+Inf" || (end != nullptr && *end == '\0' && !v.empty());
        } else {
          labels.emplace_back(k, v);
        }
      }
      const std::string key = key_of(family, labels);
      auto [it, inserted] = histograms.try_emplace(key);
      if (inserted) {
        it->second.first = {family, std::move(labels)};
        histogram_order.push_back(key);
      }
      Histogram& h = it->second.second;
      if (part == "_bucket" && has_bound) h.buckets[bound] = sample.value;
      if (part == "_sum") h.sum = sample.value;
      if (part == "_count") h.count = sample.value;
      continue;
    }
    const bool counter = type == "counter" || (type == "summary" && histogram_part);
    if (State* state = state_for(sample.name, sample.labels, counter ? "counter" : "gauge")) {
      if (counter) {
        add_counter(*state, t_ms, sample.value);
      } else {
        add_gauge(*state, t_ms, sample.value);
      }
    }
  }
  for (const std::string& key : histogram_order) {
    auto& [id, histogram] = histograms[key];
    // Without +Inf (the total) a histogram cannot be read; OpenMetrics requires it.
    if (histogram.buckets.empty() || !std::isinf(histogram.buckets.rbegin()->first)) continue;
    if (State* state = state_for(id.first, id.second, "histogram")) {
      add_histogram(*state, t_ms, histogram);
    }
  }
  previous_scrape_ms_ = t_ms;
}

void ServerMetricsRecorder::add_gap(std::int64_t t_ms, std::string error) {
  metrics_.gaps.push_back({t_ms, std::move(error)});
}

ServerMetrics ServerMetricsRecorder::finish() const {
  ServerMetrics out = metrics_;
  for (const std::string& key : order_) {
    const State& state = states_.at(key);
    ServerSeries series = state.series;
    if (series.type == "gauge" && !series.points.empty()) {
      series.mean = series.total = state.gauge_sum / static_cast<double>(series.points.size());
    }
    if (series.type == "histogram") {
      series.total = state.run.count;
      series.sum = state.run.sum;
      if (state.run.count > 0) {
        const auto buckets = as_vector(state.run.buckets);
        series.mean = state.run.sum / state.run.count;
        series.p50 = histogram_quantile(0.5, buckets);
        series.p90 = histogram_quantile(0.9, buckets);
        series.p99 = histogram_quantile(0.99, buckets);
      }
    }
    out.series.push_back(std::move(series));
  }
  return out;
}

}  // namespace hone::report
