#include "report/merge.h"

#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace hone::report {
namespace {

// The parts of a run's config that every shard of it shares, and its shard "i/N".
struct RunShape {
  std::string shard;
  std::string shared;  // model, start, stages, duration and endpoints, as minified JSON
};

RunShape shape_of(const LoadResult& result) {
  RunShape shape;
  simdjson::dom::parser parser;
  simdjson::dom::object config;
  if (parser.parse(result.config_json).get_object().get(config) != simdjson::SUCCESS) return shape;
  std::string_view shard;
  if (config["shard"].get_string().get(shard) == simdjson::SUCCESS) shape.shard = shard;
  for (const char* key : {"model", "start", "stages", "duration_s", "endpoints"}) {
    simdjson::dom::element value;
    if (config[key].get(value) == simdjson::SUCCESS) {
      shape.shared += std::string(key) + "=" + simdjson::minify(value) + ";";
    }
  }
  return shape;
}

}  // namespace

Status check_shards_of_one_run(const std::vector<LoadResult>& results,
                               const std::vector<std::string>& names) {
  if (results.size() < 2) return {};
  const LoadResult& first = results.front();
  const RunShape first_shape = shape_of(first);
  std::set<std::string> shards;
  const auto name = [&names](std::size_t i) {
    return i < names.size() ? names[i] : "input " + std::to_string(i + 1);
  };
  for (std::size_t i = 0; i < results.size(); ++i) {
    const LoadResult& next = results[i];
    const RunShape next_shape = shape_of(next);
    const std::string pair = name(i) + " and " + name(0);
    if (next.target != first.target) {
      return fail(pair + " load different targets (" + next.target + ", " + first.target + ")");
    }
    if (next_shape.shared != first_shape.shared) {
      return fail(pair + " were not the same run: their load profiles or endpoints differ");
    }
    if (next.shards == 1 && first.shards == 1) {
      const auto slash = [](const std::string& s) { return s.substr(s.find('/') + 1); };
      if (slash(next_shape.shard) != slash(first_shape.shard) || next_shape.shard.empty()) {
        return fail(pair + " are not shards of one run (--shard " + next_shape.shard + " and " +
                    first_shape.shard + ")");
      }
      if (!shards.insert(next_shape.shard).second) {
        return fail(name(i) + " repeats shard " + next_shape.shard +
                    ": each generator runs its own --shard i/N");
      }
    }
    const double apart_s = std::abs(static_cast<double>(next.started_ms - first.started_ms)) / 1e3;
    if (apart_s > std::max(next.duration_s, first.duration_s) + 60) {
      return fail(pair + " started " + std::to_string(std::llround(apart_s)) +
                  " s apart: they are not one run");
    }
  }
  return {};
}

Result<LoadResult> merge_results(const std::vector<LoadResult>& results) {
  if (results.empty()) return fail("nothing to merge");
  LoadResult merged = results.front();
  auto end_ms = [](const LoadResult& r) {
    return r.started_ms + static_cast<std::int64_t>(std::llround(r.duration_s * 1000));
  };
  std::int64_t latest_end = end_ms(merged);
  for (std::size_t i = 1; i < results.size(); ++i) {
    const LoadResult& next = results[i];
    if (next.schedule.model != merged.schedule.model) {
      return fail("cannot merge an " + next.schedule.model + "-model run with an " +
                  merged.schedule.model + "-model run");
    }
    merged.total.add(next.total);
    for (const auto& endpoint : next.endpoints) {
      if (Stats* mine = merged.endpoint(endpoint.name)) {
        mine->add(endpoint.stats);
        for (auto& own : merged.endpoints) {
          if (own.name != endpoint.name) continue;
          own.duration_s = std::max(own.duration_s, endpoint.duration_s);
          // Shards counted their own inputs: the sum bounds the distinct ones from above.
          if (own.distinct_inputs >= 0 && endpoint.distinct_inputs >= 0) {
            own.distinct_inputs += endpoint.distinct_inputs;
            own.distinct_exact = false;
          } else {
            own.distinct_inputs = -1;
          }
        }
      } else {
        merged.endpoints.push_back(endpoint);
      }
    }
    for (const auto& row : next.timeline) add_timeline_row(merged.timeline, row);
    merged.schedule.target_rps += next.schedule.target_rps;
    merged.schedule.intended += next.schedule.intended;
    merged.schedule.sent += next.schedule.sent;
    merged.schedule.lag.add(next.schedule.lag);
    merged.schedule.lag_when_connections_free += next.schedule.lag_when_connections_free;
    merged.schedule.max_connections += next.schedule.max_connections;
    merged.schedule.connections_opened += next.schedule.connections_opened;
    merged.schedule.cpu.used_s += next.schedule.cpu.used_s;
    merged.schedule.cpu.threads += next.schedule.cpu.threads;
    merged.schedule.cpu.machine_steal_s += next.schedule.cpu.machine_steal_s;
    merged.schedule.cpu.machine_cpus += next.schedule.cpu.machine_cpus;
    merged.started_ms = std::min(merged.started_ms, next.started_ms);
    latest_end = std::max(latest_end, end_ms(next));
    merged.shards += next.shards;
    if (merged.server.empty()) merged.server = next.server;
  }
  merged.duration_s = static_cast<double>(latest_end - merged.started_ms) / 1000.0;
  return merged;
}

}  // namespace hone::report
