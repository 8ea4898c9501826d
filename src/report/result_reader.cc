// Reading result files back (the inverse of result_json.cc's writer).
#include <simdjson.h>

#include <cstdint>
#include <optional>

#include "report/result_json.h"
#include "report/server_metrics_json.h"

namespace hone::report {
namespace {

using simdjson::dom::element;
using simdjson::dom::object;

class Reader {
 public:
  explicit Reader(std::string name) : name_(std::move(name)) {}

  Error error(const std::string& what) const { return fail(name_ + ": " + what); }

  // After the first failure every accessor returns a default without touching its object,
  // which may be the empty result of a failed child().
  // Integers (counts, times, bytes) are bounded by 2^53, as JSON numbers are exact up to there:
  // sums over merged files then stay far from overflow.
  static constexpr std::int64_t kMaxInteger = std::int64_t{1} << 53;
  static bool in_range(std::int64_t value) { return value >= -kMaxInteger && value <= kMaxInteger; }

  std::int64_t integer(object o, const char* key) {
    std::int64_t value = 0;
    if (!bad_.empty()) return value;
    if (o[key].get_int64().get(value) != simdjson::SUCCESS || !in_range(value)) {
      bad_ = std::string("'") + key + "'";
      return 0;
    }
    return value;
  }
  double number(object o, const char* key) {
    double value = 0;
    if (!bad_.empty()) return value;
    if (o[key].get_double().get(value) != simdjson::SUCCESS) {
      std::int64_t whole = 0;
      if (o[key].get_int64().get(whole) == simdjson::SUCCESS) return static_cast<double>(whole);
      bad_ = std::string("'") + key + "'";
    }
    return value;
  }
  std::string string(object o, const char* key) {
    std::string_view value;
    if (!bad_.empty()) return {};
    if (o[key].get_string().get(value) != simdjson::SUCCESS) bad_ = std::string("'") + key + "'";
    return std::string(value);
  }
  object child(object o, const char* key) {
    object value;
    if (!bad_.empty()) return value;
    if (o[key].get_object().get(value) != simdjson::SUCCESS) bad_ = std::string("'") + key + "'";
    return value;
  }

  HdrHistogram::Sparse sparse(object o) {
    HdrHistogram::Sparse out;
    if (!bad_.empty()) return out;
    out.lowest = integer(o, "lowest");
    out.highest = integer(o, "highest");
    out.significant_digits = static_cast<int>(integer(o, "digits"));
    out.min = integer(o, "min");
    out.max = integer(o, "max");
    out.sum = number(o, "sum");
    out.sum_of_squares = number(o, "sum_sq");
    out.clamped = integer(o, "clamped");
    simdjson::dom::array counts;
    if (o["counts"].get_array().get(counts) != simdjson::SUCCESS || counts.size() % 2 != 0) {
      bad_ = "'counts'";
      return out;
    }
    for (auto it = counts.begin(); it != counts.end();) {
      std::int64_t index = 0;
      std::int64_t count = 0;
      if ((*it).get_int64().get(index) != simdjson::SUCCESS || index < 0 || index > UINT32_MAX)
        bad_ = "'counts'";
      ++it;
      if ((*it).get_int64().get(count) != simdjson::SUCCESS || !in_range(count)) bad_ = "'counts'";
      ++it;
      out.counts.emplace_back(static_cast<std::uint32_t>(index), count);
    }
    return out;
  }

  // Rebuilds a histogram and checks that it has the layout hone writes for its field: results
  // merge bucket by bucket, so another layout could not be combined.
  std::optional<HdrHistogram> checked(const HdrHistogram::Sparse& from,
                                      const HdrHistogram& layout) {
    if (!bad_.empty()) return std::nullopt;
    auto rebuilt = HdrHistogram::from_sparse(from);
    if (!rebuilt) {
      bad_ = "a histogram (" + rebuilt.error().message + ")";
      return std::nullopt;
    }
    if (rebuilt->lowest() != layout.lowest() || rebuilt->highest() != layout.highest() ||
        rebuilt->significant_digits() != layout.significant_digits()) {
      bad_ = "a histogram (not the layout hone writes)";
      return std::nullopt;
    }
    return std::move(*rebuilt);
  }

  bool histogram(object o, HdrHistogram& into) {
    auto rebuilt = checked(sparse(o), into);
    if (!rebuilt) return false;
    into = std::move(*rebuilt);
    return true;
  }

  template <typename Key>
  void counts(object o, std::map<Key, std::int64_t>& into) {
    if (!bad_.empty()) return;
    for (const auto field : o) {
      std::int64_t count = 0;
      if (field.value.get_int64().get(count) != simdjson::SUCCESS || !in_range(count)) {
        bad_ = "a count";
        return;
      }
      if constexpr (std::is_same_v<Key, int>) {
        into[std::atoi(std::string(field.key).c_str())] = count;
      } else {
        into[std::string(field.key)] = count;
      }
    }
  }

  void stats(object summary, object histograms, Stats& out) {
    if (!bad_.empty()) return;
    out.requests = integer(summary, "requests");
    out.ok = integer(summary, "ok");
    out.failed = integer(summary, "failed");
    out.bytes_in = integer(summary, "bytes_in");
    out.bytes_out = integer(summary, "bytes_out");
    counts(child(summary, "status"), out.by_status);
    object errors = child(summary, "errors");
    if (!bad_.empty()) return;
    counts(child(errors, "by_status"), out.failed_by_status);
    counts(child(errors, "by_kind"), out.by_kind);
    histogram(child(histograms, "latency"), out.latency);
    histogram(child(histograms, "service"), out.service);
    // Files written before the successes had a histogram of their own have none.
    object ok;
    if (bad_.empty() && histograms["latency_ok"].get_object().get(ok) == simdjson::SUCCESS) {
      histogram(ok, out.latency_ok);
    }
  }

  const std::string& bad() const { return bad_; }

 private:
  std::string name_;
  std::string bad_;  // the first missing or malformed field
};

}  // namespace

Result<LoadResult> parse_result_json(std::string text, const std::string& name) {
  simdjson::dom::parser parser;
  element root;
  if (const auto error = parser.parse(text).get(root); error != simdjson::SUCCESS) {
    return fail(name + ": not a JSON result file (" + simdjson::error_message(error) + ")");
  }
  object top;
  std::string_view format;
  if (root.get_object().get(top) != simdjson::SUCCESS ||
      top["format"].get_string().get(format) != simdjson::SUCCESS || format != "hone-load-result") {
    return fail(name + ": not a hone load result (no \"format\": \"hone-load-result\")");
  }
  std::int64_t version = 0;
  if (top["version"].get_int64().get(version) != simdjson::SUCCESS ||
      version < kOldestResultFormatVersion || version > kResultFormatVersion) {
    return fail(name + ": result format version " + std::to_string(version) +
                " is not supported (this hone reads versions " +
                std::to_string(kOldestResultFormatVersion) + " to " +
                std::to_string(kResultFormatVersion) + ")");
  }
  Reader read(name);
  LoadResult result;
  result.tool = read.string(top, "tool");
  result.version = read.string(top, "tool_version");
  result.target = read.string(top, "target");
  result.started_ms = read.integer(top, "started_ms");
  result.duration_s = read.number(top, "duration_s");
  const std::int64_t shards = read.integer(top, "shards");
  if (read.bad().empty() && (shards < 1 || shards > (1 << 20)))
    return read.error("'shards' must be 1 to 1048576");
  result.shards = static_cast<int>(shards);
  element config;
  if (top["config"].get(config) == simdjson::SUCCESS) result.config_json = simdjson::minify(config);
  object histograms = read.child(top, "histograms");
  if (!read.bad().empty()) return read.error("missing or malformed " + read.bad());
  read.stats(read.child(top, "summary"), read.child(histograms, "total"), result.total);

  simdjson::dom::array endpoints;
  if (top["endpoints"].get_array().get(endpoints) != simdjson::SUCCESS) {
    return read.error("missing 'endpoints'");
  }
  object endpoint_histograms = read.child(histograms, "endpoints");
  for (const element item : endpoints) {
    object endpoint;
    if (item.get_object().get(endpoint) != simdjson::SUCCESS) return read.error("bad endpoint");
    EndpointResult out;
    out.name = read.string(endpoint, "name");
    if (!read.bad().empty()) break;
    double duration = 0;
    if (endpoint["duration_s"].get_double().get(duration) == simdjson::SUCCESS) {
      out.duration_s = duration;
    }
    if (endpoint["distinct_inputs"].error() != simdjson::NO_SUCH_FIELD) {
      out.distinct_inputs = read.integer(endpoint, "distinct_inputs");
      bool exact = false;
      if (endpoint["distinct_inputs_exact"].get_bool().get(exact) != simdjson::SUCCESS)
        return read.error("missing or malformed 'distinct_inputs_exact'");
      out.distinct_exact = exact;
    }
    read.stats(endpoint, read.child(endpoint_histograms, out.name.c_str()), out.stats);
    result.endpoints.push_back(std::move(out));
  }
  if (!read.bad().empty()) return read.error("missing or malformed " + read.bad());

  simdjson::dom::array timeline;
  if (top["timeline"].get_array().get(timeline) != simdjson::SUCCESS) {
    return read.error("missing 'timeline'");
  }
  for (const element item : timeline) {
    object row_object;
    if (item.get_object().get(row_object) != simdjson::SUCCESS)
      return read.error("bad timeline row");
    TimelineRow row;
    row.second = read.integer(row_object, "t");
    row.requests = read.integer(row_object, "requests");
    row.ok = read.integer(row_object, "ok");
    row.failed = read.integer(row_object, "failed");
    row.bytes_in = read.integer(row_object, "bytes_in");
    row.latency = read.sparse(read.child(row_object, "hist"));
    // A second without answers keeps the empty sparse form (no layout yet), as merges do.
    static const HdrHistogram kTimelineLayout = make_timeline_histogram();
    const bool empty = row.latency.highest == 0 && row.latency.counts.empty();
    if (!empty && !read.checked(row.latency, kTimelineLayout)) break;
    object by_endpoint;
    if (row_object["endpoints"].get_object().get(by_endpoint) == simdjson::SUCCESS) {
      for (const auto field : by_endpoint) {
        object one;
        if (field.value.get_object().get(one) != simdjson::SUCCESS)
          return read.error("bad timeline row");
        EndpointSecond second;
        second.requests = read.integer(one, "requests");
        second.ok = read.integer(one, "ok");
        second.failed = read.integer(one, "failed");
        second.latency = read.sparse(read.child(one, "hist"));
        const bool none = second.latency.highest == 0 && second.latency.counts.empty();
        if (!none && !read.checked(second.latency, kTimelineLayout)) break;
        row.endpoints[std::string(field.key)] = std::move(second);
      }
    }
    result.timeline.push_back(std::move(row));
  }
  if (!read.bad().empty()) return read.error("missing or malformed " + read.bad());

  object schedule = read.child(top, "schedule");
  if (!read.bad().empty()) return read.error("missing or malformed " + read.bad());
  result.schedule.model = read.string(schedule, "model");
  result.schedule.target_rps = read.number(schedule, "target_rps");
  result.schedule.intended = read.integer(schedule, "intended");
  result.schedule.sent = read.integer(schedule, "sent");
  result.schedule.lag_when_connections_free = read.integer(schedule, "late_with_free_connection");
  result.schedule.max_connections = read.integer(schedule, "max_connections");
  if (schedule["connections_opened"].error() != simdjson::NO_SUCH_FIELD) {
    result.schedule.connections_opened = read.integer(schedule, "connections_opened");
  }
  if (schedule["generator_cpu_s"].error() != simdjson::NO_SUCH_FIELD) {
    result.schedule.cpu.used_s = read.number(schedule, "generator_cpu_s");
    result.schedule.cpu.threads = static_cast<int>(read.integer(schedule, "generator_threads"));
  }
  if (schedule["machine_steal_s"].error() != simdjson::NO_SUCH_FIELD) {
    result.schedule.cpu.machine_steal_s = read.number(schedule, "machine_steal_s");
    result.schedule.cpu.machine_cpus = static_cast<int>(read.integer(schedule, "machine_cpus"));
  }
  read.histogram(read.child(histograms, "schedule_lag"), result.schedule.lag);
  if (!read.bad().empty()) return read.error("missing or malformed " + read.bad());
  object server;
  if (version >= 2 && top["server"].get_object().get(server) == simdjson::SUCCESS) {
    auto metrics = read_server_metrics(server);
    if (!metrics) return read.error(metrics.error().message);
    result.server = std::move(*metrics);
  } else if (version >= 2 && top["server"].error() != simdjson::NO_SUCH_FIELD) {
    return read.error("'server' is not an object");
  }
  return result;
}

}  // namespace hone::report
