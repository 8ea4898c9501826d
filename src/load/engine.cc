#include "load/engine.h"

#include <chrono>
#include <map>
#include <thread>
#include <unordered_set>

#include "core/cpu_steal.h"
#include "core/version.h"
#include "load/metrics_scraper.h"
#include "load/worker.h"

namespace hone::load {
namespace {

Result<std::vector<http::tcp::endpoint>> resolve(const Url& url) {
  asio::io_context io;
  http::tcp::resolver resolver(io);
  boost::system::error_code error;
  const auto results = resolver.resolve(url.host, std::to_string(url.port), error);
  if (error) return fail("cannot resolve " + url.host + ": " + error.message());
  std::vector<http::tcp::endpoint> endpoints;
  for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  if (endpoints.empty()) return fail("cannot resolve " + url.host + ": no addresses");
  return endpoints;
}

// The union of every thread's inputs, per endpoint that sends a body.
void count_distinct_inputs(const LoadPlan& plan,
                           const std::vector<std::unique_ptr<Worker>>& workers,
                           report::LoadResult& result) {
  bool capped = false;
  for (const auto& worker : workers) capped = capped || worker->builder().inputs_capped();
  for (std::size_t e = 0; e < plan.endpoints.size(); ++e) {
    std::unordered_set<std::uint64_t> all;
    for (const auto& worker : workers) {
      const auto& own = worker->builder().inputs()[e];
      all.insert(own.begin(), own.end());
    }
    if (all.empty()) continue;  // no body: nothing a cache keys on
    result.endpoints[e].distinct_inputs = static_cast<std::int64_t>(all.size());
    result.endpoints[e].distinct_exact = !capped;
  }
}

// Sleeps until the wall clock reaches `unix_ms`, waking every 50 ms for `stop`. A moment already
// past is refused: the shards it is for would not start together.
Status wait_for_start(std::int64_t unix_ms, const std::atomic<bool>& stop) {
  using std::chrono::system_clock;
  const system_clock::time_point at{std::chrono::milliseconds(unix_ms)};
  const auto late = system_clock::now() - at;
  if (late > std::chrono::milliseconds(100)) {
    return fail(
        "--start-at is " +
            std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(late).count()) +
            " ms in the past: give every shard the same moment, later than now",
        2);
  }
  while (!stop.load()) {
    const auto left = at - system_clock::now();
    if (left <= system_clock::duration::zero()) return {};
    std::this_thread::sleep_for(
        std::min<system_clock::duration>(left, std::chrono::milliseconds(50)));
  }
  return fail("interrupted before --start-at", 130);
}

}  // namespace

Result<report::LoadResult> run_load(const LoadPlan& plan, LiveBoard* live,
                                    const std::atomic<bool>& stop) {
  if (plan.endpoints.empty()) return fail("nothing to send: no endpoints");
  std::vector<Origin> origins;
  std::map<std::string, std::size_t> origin_index;
  std::vector<std::size_t> endpoint_origin;
  for (const auto& endpoint : plan.endpoints) {
    const std::string key = endpoint.url.origin();
    auto found = origin_index.find(key);
    if (found == origin_index.end()) {
      auto endpoints = resolve(endpoint.url);
      if (!endpoints) return endpoints.error();
      origins.push_back({endpoint.url.host, endpoint.url.tls(), std::move(*endpoints)});
      found = origin_index.emplace(key, origins.size() - 1).first;
    }
    endpoint_origin.push_back(found->second);
  }

  std::optional<MetricsScraper> scraper;
  if (plan.metrics) {
    scraper.emplace(*plan.metrics);
    scraper->start();
  }
  std::int64_t start_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
  if (plan.start_at_ms) {
    if (auto s = wait_for_start(*plan.start_at_ms, stop); !s) {
      if (scraper) scraper->stop();
      return s.error();
    }
    start_unix_ms = *plan.start_at_ms;
  }
  const TimePoint start = Clock::now();
  std::vector<std::unique_ptr<Worker>> workers;
  for (int i = 0; i < plan.threads; ++i) {
    WorkerSetup setup;
    setup.plan = &plan;
    setup.origins = &origins;
    setup.endpoint_origin = endpoint_origin;
    setup.index = i;
    setup.start = start;
    setup.start_unix_ms = start_unix_ms;
    setup.live = live;
    setup.stop = &stop;
    workers.push_back(std::make_unique<Worker>(std::move(setup)));
  }
  const std::optional<MachineSteal> steal_before = read_machine_steal();
  std::vector<std::thread> threads;
  for (auto& worker : workers) threads.emplace_back([&worker] { worker->run(); });
  for (auto& thread : threads) thread.join();
  const std::optional<MachineSteal> steal_after = read_machine_steal();

  report::LoadResult result;
  result.version = kVersion;
  result.target = plan.target;
  result.config_json = plan.config_json;
  result.started_ms = start_unix_ms;
  result.schedule.model = plan.model == LoadModel::kOpen ? "open" : "closed";
  if (plan.model == LoadModel::kOpen) {
    result.schedule.target_rps = plan.profile.mean_value() / plan.shard_count;
  }
  TimePoint last = start;
  for (const auto& endpoint : plan.endpoints) result.endpoints.push_back({endpoint.name, {}});
  for (auto& worker : workers) {
    Recorder& recorder = worker->recorder();
    for (std::size_t e = 0; e < plan.endpoints.size(); ++e) {
      result.endpoints[e].stats.add(recorder.endpoints()[e]);
      result.total.add(recorder.endpoints()[e]);
    }
    for (const auto& row : recorder.timeline()) report::add_timeline_row(result.timeline, row);
    const report::Schedule& schedule = recorder.schedule();
    result.schedule.intended += schedule.intended;
    result.schedule.sent += schedule.sent;
    result.schedule.lag.add(schedule.lag);
    result.schedule.lag_when_connections_free += schedule.lag_when_connections_free;
    result.schedule.max_connections += schedule.max_connections;
    result.schedule.connections_opened += schedule.connections_opened;
    result.schedule.cpu.used_s += schedule.cpu.used_s;
    ++result.schedule.cpu.threads;
    last = std::max(last, worker->finished_at());
  }
  result.duration_s = std::chrono::duration<double>(last - start).count();
  if (steal_before && steal_after) {
    result.schedule.cpu.machine_steal_s = steal_after->steal_s - steal_before->steal_s;
    result.schedule.cpu.machine_cpus = steal_after->cpus;
  }
  count_distinct_inputs(plan, workers, result);
  if (scraper) result.server = scraper->stop();
  return result;
}

}  // namespace hone::load
