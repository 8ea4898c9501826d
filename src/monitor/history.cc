#include "monitor/history.h"

#include <cstdio>

#include "core/json_writer.h"

namespace hone::monitor {

void History::push(Second second) {
  std::lock_guard lock(mutex_);
  seconds_.push_back(std::move(second));
  while (seconds_.size() > capacity_) seconds_.pop_front();
}

std::vector<Second> History::last(std::size_t seconds) const {
  std::lock_guard lock(mutex_);
  const std::size_t count = std::min(seconds, seconds_.size());
  return std::vector<Second>(seconds_.end() - static_cast<std::ptrdiff_t>(count), seconds_.end());
}

std::size_t History::size() const {
  std::lock_guard lock(mutex_);
  return seconds_.size();
}

namespace {

void write_system_fields(JsonWriter& json, const SystemSample& s) {
  json.key("process_cpu_percent").value(s.process_cpu_percent);
  json.key("machine_cpu_percent").value(s.machine_cpu_percent);
  json.key("rss_bytes").value(s.rss_bytes);
  json.key("memory_total_bytes").value(s.memory_total_bytes);
  json.key("memory_available_bytes").value(s.memory_available_bytes);
  json.key("memory_percent").value(s.memory_percent);
  json.key("open_files").value(s.open_files);
  json.key("threads").value(s.threads);
  json.key("disk_read_bytes_per_s").value(s.disk_read_bytes_per_s);
  json.key("disk_write_bytes_per_s").value(s.disk_write_bytes_per_s);
  json.key("net_rx_bytes_per_s").value(s.net_rx_bytes_per_s);
  json.key("net_tx_bytes_per_s").value(s.net_tx_bytes_per_s);
  json.key("cores").value(s.cores);
}

void write_system(JsonWriter& json, const SystemSample& s) {
  json.begin_object();
  write_system_fields(json, s);
  json.end_object();
}

void write_second(JsonWriter& json, const Second& s) {
  json.begin_object();
  json.key("time").value(s.time);
  json.key("requests").value(s.requests);
  json.key("failures").value(s.failures);
  json.key("error_rate").value(s.error_rate);
  json.key("p50_ms").value(s.p50_ms);
  json.key("p95_ms").value(s.p95_ms);
  json.key("p99_ms").value(s.p99_ms);
  json.key("cache_hits").value(s.cache_hits);
  json.key("cache_misses").value(s.cache_misses);
  json.key("cache_hit_rate").value(s.cache_hit_rate);
  json.key("batch_rows").value(s.batch_rows);
  json.key("pending").value(s.pending);
  json.key("connections").value(s.connections);
  json.key("alerts_firing").value(s.alerts_firing);
  json.key("system");
  write_system(json, s.system);
  json.key("models").begin_array();
  for (const auto& m : s.models) {
    json.begin_object();
    json.key("model").value(m.model);
    json.key("requests").value(m.requests);
    json.key("failures").value(m.failures);
    json.key("p50_ms").value(m.p50_ms);
    json.key("p95_ms").value(m.p95_ms);
    json.key("p99_ms").value(m.p99_ms);
    json.key("batch_rows").value(m.batch_rows);
    json.key("pending").value(m.pending);
    json.end_object();
  }
  json.end_array();
  json.end_object();
}

}  // namespace

void write_second_json(const Second& second, std::string& out) {
  JsonWriter json(out);
  write_second(json, second);
}

void write_system_json(const Second& second, std::string& out) {
  JsonWriter json(out);
  json.begin_object();
  json.key("time").value(second.time);
  write_system_fields(json, second.system);
  json.end_object();
}

void write_seconds_json(const std::vector<Second>& seconds, std::string& out) {
  JsonWriter json(out);
  json.begin_array();
  for (const auto& second : seconds) write_second(json, second);
  json.end_array();
}

void write_seconds_csv(const std::vector<Second>& seconds, std::string& out) {
  out +=
      "time,requests,failures,error_rate,p50_ms,p95_ms,p99_ms,cache_hit_rate,batch_rows,pending,"
      "connections,process_cpu_percent,machine_cpu_percent,rss_bytes,memory_percent,alerts_"
      "firing\n";
  for (const auto& s : seconds) {
    char line[512];
    std::snprintf(
        line, sizeof line,
        "%lld,%lld,%lld,%.6g,%.6g,%.6g,%.6g,%.6g,%.6g,%lld,%lld,%.4g,%.4g,%lld,%.4g,%lld\n",
        static_cast<long long>(s.time), static_cast<long long>(s.requests),
        static_cast<long long>(s.failures), s.error_rate, s.p50_ms, s.p95_ms, s.p99_ms,
        s.cache_hit_rate, s.batch_rows, static_cast<long long>(s.pending),
        static_cast<long long>(s.connections), s.system.process_cpu_percent,
        s.system.machine_cpu_percent, static_cast<long long>(s.system.rss_bytes),
        s.system.memory_percent, static_cast<long long>(s.alerts_firing));
    out += line;
  }
}

}  // namespace hone::monitor
