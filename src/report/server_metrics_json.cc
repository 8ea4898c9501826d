#include "report/server_metrics_json.h"

namespace hone::report {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

bool is_histogram(const ServerSeries& s) { return s.type == "histogram"; }

// A number, or null for NaN; false when it is neither.
bool read_number(element value, double& out) {
  if (value.is_null()) {
    out = kNoValue;
    return true;
  }
  return value.get_double().get(out) == simdjson::SUCCESS;
}

bool read_optional(object o, const char* key, double& out) {
  element value;
  if (o[key].get(value) != simdjson::SUCCESS) return true;  // absent: stays as it was
  return read_number(value, out);
}

Result<ServerSeries> read_series(object o) {
  ServerSeries s;
  std::string_view text;
  if (o["name"].get_string().get(text) != simdjson::SUCCESS) return fail("a series without 'name'");
  s.name = std::string(text);
  if (o["type"].get_string().get(text) != simdjson::SUCCESS ||
      (text != "counter" && text != "gauge" && text != "histogram")) {
    return fail("series '" + s.name + "' has no 'type' counter, gauge or histogram");
  }
  s.type = std::string(text);
  object labels;
  if (o["labels"].get_object().get(labels) != simdjson::SUCCESS)
    return fail("series '" + s.name + "' has no 'labels'");
  for (const auto field : labels) {
    if (field.value.get_string().get(text) != simdjson::SUCCESS)
      return fail("series '" + s.name + "' has a label that is not a string");
    s.labels.emplace_back(std::string(field.key), std::string(text));
  }
  for (const auto& [key, into] : {std::pair<const char*, double*>{"total", &s.total},
                                  {"sum", &s.sum},
                                  {"min", &s.min},
                                  {"max", &s.max},
                                  {"last", &s.last},
                                  {"mean", &s.mean},
                                  {"p50", &s.p50},
                                  {"p90", &s.p90},
                                  {"p99", &s.p99}}) {
    if (!read_optional(o, key, *into)) return fail("series '" + s.name + "': bad '" + key + "'");
  }
  array points;
  if (o["points"].get_array().get(points) != simdjson::SUCCESS)
    return fail("series '" + s.name + "' has no 'points'");
  const std::size_t width = is_histogram(s) ? 6 : 2;
  for (const element item : points) {
    array fields;
    if (item.get_array().get(fields) != simdjson::SUCCESS || fields.size() != width)
      return fail("series '" + s.name + "': a point is not an array of " + std::to_string(width));
    ServerPoint p;
    double* targets[] = {&p.value, &p.mean, &p.p50, &p.p90, &p.p99};
    std::size_t i = 0;
    for (const element field : fields) {
      const bool ok = i == 0 ? field.get_int64().get(p.t_ms) == simdjson::SUCCESS
                             : read_number(field, *targets[i - 1]);
      if (!ok) return fail("series '" + s.name + "': a point holds something not a number");
      ++i;
    }
    s.points.push_back(p);
  }
  return s;
}

}  // namespace

void write_server_metrics(JsonWriter& json, const ServerMetrics& metrics) {
  json.begin_object();
  json.key("url").value(metrics.url);
  json.key("interval_ms").value(metrics.interval_ms);
  json.key("scrapes").value(metrics.scrapes);
  json.key("dropped_series").value(metrics.dropped_series);
  json.key("gaps").begin_array();
  for (const auto& gap : metrics.gaps) {
    json.begin_object().key("t").value(gap.t_ms).key("error").value(gap.error).end_object();
  }
  json.end_array();
  json.key("series").begin_array();
  for (const auto& s : metrics.series) {
    json.begin_object();
    json.key("name").value(s.name);
    json.key("labels").begin_object();
    for (const auto& [k, v] : s.labels) json.key(k).value(v);
    json.end_object();
    json.key("type").value(s.type);
    json.key("total").value(s.total);
    if (is_histogram(s)) {
      json.key("sum").value(s.sum);
      json.key("mean").value(s.mean);
      json.key("p50").value(s.p50);
      json.key("p90").value(s.p90);
      json.key("p99").value(s.p99);
    } else if (s.type == "gauge") {
      json.key("min").value(s.min);
      json.key("max").value(s.max);
      json.key("last").value(s.last);
      json.key("mean").value(s.mean);
    }
    json.key("points").begin_array();
    for (const auto& p : s.points) {
      json.begin_array().value(p.t_ms).value(p.value);
      if (is_histogram(s)) json.value(p.mean).value(p.p50).value(p.p90).value(p.p99);
      json.end_array();
    }
    json.end_array();
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

Result<ServerMetrics> read_server_metrics(object section) {
  ServerMetrics metrics;
  std::string_view url;
  if (section["url"].get_string().get(url) != simdjson::SUCCESS || url.empty())
    return fail("'server' has no 'url'");
  metrics.url = std::string(url);
  if (section["interval_ms"].get_int64().get(metrics.interval_ms) != simdjson::SUCCESS ||
      section["scrapes"].get_int64().get(metrics.scrapes) != simdjson::SUCCESS ||
      section["dropped_series"].get_int64().get(metrics.dropped_series) != simdjson::SUCCESS) {
    return fail("'server' lacks 'interval_ms', 'scrapes' or 'dropped_series'");
  }
  array gaps;
  array series;
  if (section["gaps"].get_array().get(gaps) != simdjson::SUCCESS ||
      section["series"].get_array().get(series) != simdjson::SUCCESS) {
    return fail("'server' lacks 'gaps' or 'series'");
  }
  for (const element item : gaps) {
    ScrapeGap gap;
    std::string_view error;
    if (item["t"].get_int64().get(gap.t_ms) != simdjson::SUCCESS ||
        item["error"].get_string().get(error) != simdjson::SUCCESS) {
      return fail("'server': a gap without 't' and 'error'");
    }
    gap.error = std::string(error);
    metrics.gaps.push_back(std::move(gap));
  }
  for (const element item : series) {
    object o;
    if (item.get_object().get(o) != simdjson::SUCCESS)
      return fail("'server': a series is not an object");
    auto s = read_series(o);
    if (!s) return fail("'server': " + s.error().message);
    metrics.series.push_back(std::move(*s));
  }
  return metrics;
}

}  // namespace hone::report
