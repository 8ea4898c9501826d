#include "report/result_json.h"

#include <fstream>
#include <sstream>

#include "core/json_writer.h"
#include "report/schedule_check.h"
#include "report/server_metrics_json.h"

namespace hone::report {
namespace {

void write_latency(JsonWriter& json, const HdrHistogram& h) {
  json.begin_object();
  json.key("min").value(h.min());
  json.key("mean").value(h.mean());
  json.key("p50").value(h.value_at_percentile(50));
  json.key("p90").value(h.value_at_percentile(90));
  json.key("p95").value(h.value_at_percentile(95));
  json.key("p99").value(h.value_at_percentile(99));
  json.key("p999").value(h.value_at_percentile(99.9));
  json.key("max").value(h.max());
  json.key("stddev").value(h.stddev());
  json.end_object();
}

template <typename Key>
void write_counts(JsonWriter& json, const std::map<Key, std::int64_t>& counts) {
  json.begin_object();
  for (const auto& [key, count] : counts) {
    if constexpr (std::is_same_v<Key, int>) {
      json.key(std::to_string(key)).value(count);
    } else {
      json.key(key).value(count);
    }
  }
  json.end_object();
}

void write_stats(JsonWriter& json, const Stats& stats, double duration_s) {
  json.key("requests").value(stats.requests);
  json.key("ok").value(stats.ok);
  json.key("failed").value(stats.failed);
  json.key("rps").value(duration_s > 0 ? static_cast<double>(stats.requests) / duration_s : 0.0);
  const double requests = static_cast<double>(std::max<std::int64_t>(stats.requests, 1));
  json.key("success_rate").value(stats.requests ? static_cast<double>(stats.ok) / requests : 0.0);
  json.key("error_rate").value(stats.requests ? static_cast<double>(stats.failed) / requests : 0.0);
  json.key("bytes_in").value(stats.bytes_in);
  json.key("bytes_out").value(stats.bytes_out);
  json.key("latency_us");
  write_latency(json, stats.latency);
  json.key("service_us");
  write_latency(json, stats.service);
  json.key("latency_ok_us");
  write_latency(json, stats.latency_ok);
  json.key("status");
  write_counts(json, stats.by_status);
  json.key("errors").begin_object();
  json.key("by_status");
  write_counts(json, stats.failed_by_status);
  json.key("by_kind");
  write_counts(json, stats.by_kind);
  json.end_object();
}

void write_sparse(JsonWriter& json, const HdrHistogram::Sparse& sparse) {
  json.begin_object();
  json.key("lowest").value(sparse.lowest);
  json.key("highest").value(sparse.highest);
  json.key("digits").value(sparse.significant_digits);
  json.key("min").value(sparse.min);
  json.key("max").value(sparse.max);
  json.key("sum").value(sparse.sum);
  json.key("sum_sq").value(sparse.sum_of_squares);
  json.key("clamped").value(sparse.clamped);
  json.key("counts").begin_array();
  for (const auto& [index, count] : sparse.counts) {
    json.value(static_cast<std::int64_t>(index)).value(count);
  }
  json.end_array();
  json.end_object();
}

void write_schedule(JsonWriter& json, const LoadResult& result) {
  const Schedule& s = result.schedule;
  const ScheduleVerdict verdict = check_schedule(result);
  json.begin_object();
  json.key("model").value(s.model);
  json.key("target_rps").value(s.target_rps);
  json.key("intended").value(s.intended);
  json.key("sent").value(s.sent);
  json.key("send_ratio").value(verdict.send_ratio);
  json.key("lag_us").begin_object();
  json.key("p50").value(s.lag.value_at_percentile(50));
  json.key("p99").value(s.lag.value_at_percentile(99));
  json.key("max").value(s.lag.max());
  json.end_object();
  json.key("late_with_free_connection").value(s.lag_when_connections_free);
  json.key("max_connections").value(s.max_connections);
  json.key("connections_opened").value(s.connections_opened);
  json.key("generator_cpu_s").value(s.cpu.used_s);
  json.key("generator_threads").value(s.cpu.threads);
  json.key("machine_steal_s").value(s.cpu.machine_steal_s);
  json.key("machine_cpus").value(s.cpu.machine_cpus);
  json.key("behind").value(verdict.behind);
  json.key("warning").value(verdict.warning);
  json.end_object();
}

}  // namespace

void write_result_json(const LoadResult& result, std::string& out) {
  JsonWriter json(out);
  json.begin_object();
  json.key("format").value("hone-load-result");
  json.key("version").value(kResultFormatVersion);
  json.key("tool").value(result.tool);
  json.key("tool_version").value(result.version);
  json.key("target").value(result.target);
  json.key("started_ms").value(result.started_ms);
  json.key("duration_s").value(result.duration_s);
  json.key("shards").value(result.shards);
  json.key("config").raw(result.config_json.empty() ? "{}" : result.config_json);
  json.key("summary").begin_object();
  write_stats(json, result.total, result.duration_s);
  json.end_object();
  json.key("schedule");
  write_schedule(json, result);
  json.key("endpoints").begin_array();
  for (const auto& endpoint : result.endpoints) {
    json.begin_object().key("name").value(endpoint.name);
    if (endpoint.duration_s > 0) json.key("duration_s").value(endpoint.duration_s);
    if (endpoint.distinct_inputs >= 0) {
      json.key("distinct_inputs").value(endpoint.distinct_inputs);
      json.key("distinct_inputs_exact").value(endpoint.distinct_exact);
    }
    write_stats(json, endpoint.stats,
                endpoint.duration_s > 0 ? endpoint.duration_s : result.duration_s);
    json.end_object();
  }
  json.end_array();
  json.key("timeline").begin_array();
  for (const auto& row : result.timeline) {
    auto histogram = HdrHistogram::from_sparse(row.latency);
    json.begin_object();
    json.key("t").value(row.second);
    json.key("requests").value(row.requests);
    json.key("ok").value(row.ok);
    json.key("failed").value(row.failed);
    json.key("bytes_in").value(row.bytes_in);
    if (histogram && histogram->count() > 0) {
      json.key("p50_us").value(histogram->value_at_percentile(50));
      json.key("p90_us").value(histogram->value_at_percentile(90));
      json.key("p99_us").value(histogram->value_at_percentile(99));
      json.key("max_us").value(histogram->max());
    }
    json.key("hist");
    write_sparse(json, row.latency);
    if (!row.endpoints.empty()) {
      json.key("endpoints").begin_object();
      for (const auto& [name, second] : row.endpoints) {
        json.key(name).begin_object();
        json.key("requests").value(second.requests);
        json.key("ok").value(second.ok);
        json.key("failed").value(second.failed);
        json.key("hist");
        write_sparse(json, second.latency);
        json.end_object();
      }
      json.end_object();
    }
    json.end_object();
  }
  json.end_array();
  json.key("histograms").begin_object();
  json.key("total").begin_object();
  json.key("latency");
  write_sparse(json, result.total.latency.to_sparse());
  json.key("service");
  write_sparse(json, result.total.service.to_sparse());
  json.key("latency_ok");
  write_sparse(json, result.total.latency_ok.to_sparse());
  json.end_object();
  json.key("endpoints").begin_object();
  for (const auto& endpoint : result.endpoints) {
    json.key(endpoint.name).begin_object();
    json.key("latency");
    write_sparse(json, endpoint.stats.latency.to_sparse());
    json.key("service");
    write_sparse(json, endpoint.stats.service.to_sparse());
    json.key("latency_ok");
    write_sparse(json, endpoint.stats.latency_ok.to_sparse());
    json.end_object();
  }
  json.end_object();
  json.key("schedule_lag");
  write_sparse(json, result.schedule.lag.to_sparse());
  json.end_object();
  if (!result.server.empty()) {
    json.key("server");
    write_server_metrics(json, result.server);
  }
  json.end_object();
  out.push_back('\n');
}

Result<LoadResult> read_result_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(path + ": cannot open the result file");
  std::ostringstream text;
  text << in.rdbuf();
  return parse_result_json(text.str(), path);
}

Status write_text_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return fail(path + ": cannot write");
  return {};
}

}  // namespace hone::report
