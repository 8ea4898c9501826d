// hone load: generate load against any HTTP/1.1 API, then summarise, check thresholds and
// write result files. Exit codes: 0 ok, 1 the run failed, 2 bad usage, 99 thresholds failed.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "cli/commands.h"
#include "core/units.h"
#include "load/engine.h"
#include "load/options.h"
#include "load/progress.h"
#include "report/merge.h"
#include "report/result_json.h"
#include "report/summary_text.h"
#include "report/thresholds.h"
#include "report/timeline_csv.h"

namespace hone::cli {
namespace {

struct LoadFlags {
  load::LoadOptions options;
  std::string duration;
  std::string timeout;
  std::string jwt_expiry;
  std::string metrics_interval;
  std::string out;
  std::string csv;
  std::string out_dir;
  bool quiet = false;
  std::string suite_file;
};

std::atomic<bool> g_stop{false};

extern "C" void on_interrupt(int) {
  g_stop = true;
  std::signal(SIGINT, SIG_DFL);  // a second Ctrl-C ends the process at once
}

double seconds_of(const std::string& text) {
  return static_cast<double>(parse_duration(text).value().count()) / 1e6;
}

std::string timestamp_folder() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char name[32];
  std::strftime(name, sizeof name, "%Y-%m-%dT%H-%M-%SZ", &parts);
  return name;
}

Status write_outputs(const LoadFlags& flags, const report::LoadResult& result) {
  std::string json;
  report::write_result_json(result, json);
  std::string csv;
  report::write_timeline_csv(result, csv);
  if (!flags.out.empty()) {
    if (auto s = report::write_text_file(flags.out, json); !s) return s;
  }
  if (!flags.csv.empty()) {
    if (auto s = report::write_text_file(flags.csv, csv); !s) return s;
  }
  if (!flags.out_dir.empty()) {
    const auto folder = std::filesystem::path(flags.out_dir) / timestamp_folder();
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) return fail(folder.string() + ": " + error.message());
    if (auto s = report::write_text_file((folder / "result.json").string(), json); !s) return s;
    if (auto s = report::write_text_file((folder / "timeline.csv").string(), csv); !s) return s;
    std::printf("results in %s\n", folder.string().c_str());
  }
  return {};
}

void describe(const load::LoadPlan& plan) {
  const bool open = plan.model == load::LoadModel::kOpen;
  std::printf("hone load: %s for %s, %s model, %s %g%s, %d thread%s, up to %d connection%s\n",
              plan.target.c_str(),
              format_duration(std::chrono::nanoseconds(
                                  static_cast<std::int64_t>(plan.profile.total_seconds() * 1e9)))
                  .c_str(),
              open ? "open" : "closed", open ? "peak" : "at most", plan.profile.max_value(),
              open ? " req/s" : " users", plan.threads, plan.threads == 1 ? "" : "s",
              plan.connections, plan.connections == 1 ? "" : "s");
  std::fflush(stdout);
}

// Runs the plans one after another and returns their results.
Result<std::vector<report::LoadResult>> run_plans(const std::vector<load::LoadPlan>& plans,
                                                  bool quiet) {
  std::vector<report::LoadResult> results;
  std::signal(SIGINT, on_interrupt);
  for (const auto& plan : plans) {
    if (g_stop) break;
    describe(plan);
    load::LiveBoard live;
    load::Progress progress(live, plan.profile.total_seconds(),
                            !quiet && load::stderr_is_terminal());
    progress.start();
    auto result = load::run_load(plan, &live, g_stop);
    progress.stop();
    if (!result) return result.error();
    results.push_back(std::move(*result));
  }
  std::signal(SIGINT, SIG_DFL);
  if (results.empty()) return fail("interrupted before the run started");
  return results;
}

int finish(const LoadFlags& flags, const report::LoadResult& result,
           const std::vector<report::Threshold>& thresholds) {
  std::printf("%s", report::format_summary(result).c_str());
  const auto outcomes = report::evaluate_thresholds(result, thresholds);
  std::printf("%s", report::format_thresholds(outcomes).c_str());
  std::fflush(stdout);
  if (auto s = write_outputs(flags, result); !s) return report_error(s.error().message, 1);
  if (g_stop) std::fprintf(stderr, "hone: interrupted; the results cover the run so far\n");
  std::string failed;
  for (const auto& outcome : outcomes) {
    if (!outcome.passed) failed += (failed.empty() ? "" : ", ") + outcome.threshold.text;
  }
  if (!failed.empty()) return report_error("thresholds failed: " + failed, 99);
  if (result.total.requests > 0 && result.total.ok == 0) {
    return report_error("no request succeeded (" + std::to_string(result.total.failed) + " failed)",
                        1);
  }
  if (result.total.requests == 0) return report_error("no request finished", 1);
  return 0;
}

Status apply_units(LoadFlags& flags) {
  if (!flags.duration.empty()) flags.options.duration_s = seconds_of(flags.duration);
  if (!flags.timeout.empty()) flags.options.timeout_s = seconds_of(flags.timeout);
  if (!flags.jwt_expiry.empty()) flags.options.jwt_expiry_s = seconds_of(flags.jwt_expiry);
  if (!flags.metrics_interval.empty())
    flags.options.metrics_interval_s = seconds_of(flags.metrics_interval);
  return {};
}

int run_load_command(LoadFlags& flags) {
  (void)apply_units(flags);
  auto plan = load::build_plan(flags.options);
  if (!plan) return report_error(plan.error().message, 2);
  auto results = run_plans({*plan}, flags.quiet);
  // A run that cannot start says why with its exit code when it has one (2: a --start-at past).
  if (!results)
    return report_error(results.error().message,
                        results.error().code > 0 ? results.error().code : 1);
  return finish(flags, results->front(), plan->thresholds);
}

int run_suite(LoadFlags& flags) {
  (void)apply_units(flags);
  flags.options.scenario_file = flags.suite_file;
  auto plans = load::build_suite_plans(flags.options);
  if (!plans) return report_error(plans.error().message, 2);
  auto results = run_plans(*plans, flags.quiet);
  if (!results) return report_error(results.error().message, 1);
  // One consolidated result: each endpoint measured on its own, over its own duration.
  report::LoadResult suite = results->front();
  suite.endpoints.clear();
  suite.total = report::Stats{};
  suite.timeline.clear();
  suite.schedule = report::Schedule{};
  suite.schedule.model = results->front().schedule.model;
  suite.duration_s = 0;
  for (const auto& result : *results) {
    report::EndpointResult endpoint = result.endpoints.front();
    endpoint.duration_s = result.duration_s;
    suite.endpoints.push_back(endpoint);
    suite.total.add(result.total);
    // Each endpoint ran alone: its seconds are its own rows.
    for (report::TimelineRow row : result.timeline) {
      row.endpoints[endpoint.name] = {row.requests, row.ok, row.failed, row.latency};
      report::add_timeline_row(suite.timeline, row);
    }
    suite.schedule.target_rps = std::max(suite.schedule.target_rps, result.schedule.target_rps);
    suite.schedule.intended += result.schedule.intended;
    suite.schedule.sent += result.schedule.sent;
    suite.schedule.lag.add(result.schedule.lag);
    suite.schedule.lag_when_connections_free += result.schedule.lag_when_connections_free;
    suite.schedule.connections_opened += result.schedule.connections_opened;
    // The endpoints ran one after another: CPU time and steal add up, threads and CPUs do not.
    report::GeneratorCpu& cpu = suite.schedule.cpu;
    cpu.used_s += result.schedule.cpu.used_s;
    cpu.threads = std::max(cpu.threads, result.schedule.cpu.threads);
    cpu.machine_steal_s += result.schedule.cpu.machine_steal_s;
    cpu.machine_cpus = std::max(cpu.machine_cpus, result.schedule.cpu.machine_cpus);
    suite.schedule.max_connections =
        std::max(suite.schedule.max_connections, result.schedule.max_connections);
    suite.duration_s += result.duration_s;
  }
  return finish(flags, suite, plans->front().thresholds);
}

void add_run_flags(CLI::App* app, LoadFlags& f) {
  load::LoadOptions& o = f.options;
  app->add_option("--rate", o.rate, "Open model: requests per second (paced on a schedule)")
      ->check(positive_validator());
  app->add_option("--concurrency,-c", o.concurrency, "Closed model: virtual users")
      ->check(positive_validator());
  app->add_option("--stages", o.stages,
                  "Ramp the rate or users linearly: 30s:100,1m:500,30s:0 (from --rate/-c, or 0)");
  app->add_option("--duration,-d", f.duration,
                  "Run time (default 30s; stretches --preset/--stages)")
      ->check(duration_validator());
  app->add_option("--preset", o.preset, "basic, stress, spike, endurance, ramp or soak");
  app->add_option("--scale", o.scale, "Multiply the preset's or stages' load")
      ->check(positive_validator());
  app->add_option("--threshold", o.thresholds,
                  "Pass/fail check, e.g. 'p99<200ms', 'error_rate<1%', 'rps>1000' (repeatable)");
  app->add_option("--threads", o.threads, "Event-loop threads (default: number of cores)")
      ->check(whole_range_validator(1, 256));
  app->add_option("--connections", o.connections, "Most open connections")
      ->check(whole_range_validator(1, 100000));
  app->add_option("--timeout", f.timeout, "Per-request and connect timeout (default 30s)")
      ->check(duration_validator());
  app->add_option("--think", o.think,
                  "Closed model: pause after each answer, 200ms or 100ms-500ms");
  app->add_option("--shard", o.shard,
                  "Run share i/N of the load (merge the results with hone report merge)");
  app->add_option("--start-at", o.start_at,
                  "Start at this wall-clock moment, Unix seconds or RFC 3339 "
                  "(2026-12-01T01:30:00Z): shards started apart begin together");
  app->add_option("-H,--header", o.headers, "Request header 'Name: value' (repeatable)");
  app->add_option("--bearer", o.bearer, "Send Authorization: Bearer TOKEN");
  app->add_option("--jwt-secret", o.jwt_secret, "Mint HS256 JWTs with this secret");
  app->add_option("--jwt-claims", o.jwt_claims, "JWT claims as a JSON object (iat/exp are added)");
  app->add_option("--jwt-expiry", f.jwt_expiry, "JWT lifetime (default 1h)")
      ->check(duration_validator());
  app->add_option("--expect-status", o.expect_status,
                  "Statuses that count as success (default: < 400)");
  app->add_option("--expect-body", o.expect_body, "Text every successful answer must contain");
  app->add_flag("--insecure,-k", o.insecure, "https: do not verify certificates");
  app->add_option("--seed", o.seed, "Random seed for endpoint and data choices");
  app->add_option("--metrics-url", o.metrics_url,
                  "Scrape this Prometheus endpoint during the run into the result (a URL, or a "
                  "path on the target's server such as /metrics)");
  app->add_option("--metrics-interval", f.metrics_interval, "Time between scrapes (default 1s)")
      ->check(duration_validator());
  app->add_option("--out,-o", f.out, "Write the result as JSON");
  app->add_option("--csv", f.csv, "Write the per-second timeline as CSV");
  app->add_option("--out-dir", f.out_dir,
                  "Write result.json and timeline.csv into a new time-stamped folder here");
  app->add_flag("--quiet,-q", f.quiet, "No progress line");
}

}  // namespace

Command add_load_command(CLI::App& root) {
  auto flags = std::make_shared<LoadFlags>();
  CLI::App* app = root.add_subcommand("load", "Load-test an HTTP API (open or closed model)");
  app->add_option("url", flags->options.url, "Base URL, or the URL to hit");
  app->add_option("--scenario", flags->options.scenario_file,
                  "Scenario YAML: endpoints, weights, data, stages")
      ->check(CLI::ExistingFile);
  app->add_option("-X,--method", flags->options.method,
                  "HTTP method (default GET, or POST with --body)");
  app->add_option("--body", flags->options.body, "Request body, or @FILE");
  add_run_flags(app, *flags);
  CLI::App* suite =
      app->add_subcommand("suite", "Run each endpoint of a scenario alone, one after another");
  suite->add_option("file", flags->suite_file, "Scenario YAML")
      ->required()
      ->check(CLI::ExistingFile);
  suite->add_option("url", flags->options.url, "Base URL (overrides base_url)");
  add_run_flags(suite, *flags);
  return {app, [flags, suite] {
            return suite->parsed() ? run_suite(*flags) : run_load_command(*flags);
          }};
}

}  // namespace hone::cli
