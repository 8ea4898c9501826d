// hone demo: the whole story on the bundled demo models, printing each step: serve them with a
// naive configuration, load them with repeating inputs while scraping the server, analyse the run,
// apply the recommendations, load again, compare, and write one HTML report of both runs.
#include <spdlog/spdlog.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "analyze/analysis.h"
#include "analyze/compare.h"
#include "analyze/compare_text.h"
#include "cli/commands.h"
#include "cli/demo_story.h"
#include "core/json_writer.h"
#include "core/strings.h"
#include "core/units.h"
#include "http/client.h"
#include "model/demo_models.h"
#include "model/repository.h"
#include "report/html_report.h"
#include "report/result_json.h"
#include "serve/prediction_server.h"

namespace hone::cli {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DemoFlags {
  std::string models_dir;
  std::string out_dir = "hone-demo";
  bool quick = false;
};

// examples/models from the working directory or next to the source tree; otherwise the demo
// models are trained into a temporary folder (a few seconds).
Result<std::string> find_models(const DemoFlags& flags) {
  if (!flags.models_dir.empty()) return flags.models_dir;
  for (const char* candidate : {"examples/models", "../examples/models", "../../examples/models"}) {
    if (fs::exists(fs::path(candidate) / "ceramic-armor" / "config.yaml")) {
      return std::string(candidate);
    }
  }
  const std::string dir = (fs::temp_directory_path() / "hone-demo-models").string();
  std::printf("examples/models not found; training the demo models into %s\n", dir.c_str());
  if (auto s = model::write_demo_models(dir); !s) return s.error();
  return dir;
}

// Rows of a demo model's synthetic data as JSON arrays (null for missing values).
std::string rows_json(const model::TrainingSet& data, std::size_t first, std::size_t count) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  for (std::size_t r = first; r < first + count; ++r) {
    json.begin_array();
    for (std::size_t c = 0; c < data.cols; ++c) json.value(data.features[r * data.cols + c]);
    json.end_array();
  }
  json.end_array();
  return out;
}

// The same rows as objects of named features, leaving missing values out.
std::string named_rows_json(const model::TrainingSet& data, std::size_t first, std::size_t count) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  for (std::size_t r = first; r < first + count; ++r) {
    json.begin_object();
    for (std::size_t c = 0; c < data.cols; ++c) {
      const float value = data.features[r * data.cols + c];
      if (value == value) json.key(data.feature_names[c]).value(value);
    }
    json.end_object();
  }
  json.end_array();
  return out;
}

bool show(http::Client& client, const std::string& target, const std::string& body,
          const char* what) {
  const auto start = Clock::now();
  auto response = client.request("POST", target, body, {{"Content-Type", "application/json"}});
  const auto took = Clock::now() - start;
  if (!response) {
    std::printf("   POST %s failed: %s\n", target.c_str(), response.error().message.c_str());
    return false;
  }
  std::string shown = response->body;
  if (shown.size() > 150) shown = shown.substr(0, 147) + "...";
  std::printf("   POST %-36s %d in %8s  %s\n        %s\n", target.c_str(), response->status,
              format_duration(took).c_str(), what, shown.c_str());
  return response->status == 200;
}

void step(int number, const std::string& title) {
  std::printf("\n%d. %s\n", number, title.c_str());
  std::fflush(stdout);
}

void print_run(const report::LoadResult& result) {
  const report::Stats& t = result.total;
  std::printf(
      "   %lld requests in %.1f s (%.0f/s), %.2f%% errors; latency p50 %s, p99 %s, mean %s\n",
      static_cast<long long>(t.requests), result.duration_s, result.rps(),
      100 * result.error_rate(),
      format_duration(std::chrono::microseconds(t.latency.value_at_percentile(50))).c_str(),
      format_duration(std::chrono::microseconds(t.latency.value_at_percentile(99))).c_str(),
      format_duration(std::chrono::microseconds(static_cast<std::int64_t>(t.latency.mean())))
          .c_str());
}

void indent(const std::string& text) {
  std::size_t from = 0;
  while (from < text.size()) {
    const std::size_t end = text.find('\n', from);
    std::printf("   %s\n", text.substr(from, end - from).c_str());
    if (end == std::string::npos) break;
    from = end + 1;
  }
}

// The serving settings the analysis asks for: the cache when inputs repeat, no batching delay
// when batches hold one row while requests wait.
ServingChoice recommended(const analyze::Analysis& analysis, ServingChoice naive,
                          std::vector<std::string>& applied) {
  ServingChoice better = naive;
  for (const auto& r : analysis.recommendations) {
    if (r.config.find("cache: {enabled: true}") != std::string::npos && !better.cache) {
      better.cache = true;
      applied.push_back("cache: {enabled: true}");
    }
    if (r.config.find("max_queue_delay: 0us") != std::string::npos &&
        better.max_queue_delay != "0us") {
      better.max_queue_delay = "0us";
      applied.push_back("batching: {max_queue_delay: 0us}");
    }
  }
  return better;
}

// Serves the repository at `dir` in this process on a free port.
Result<std::unique_ptr<serve::PredictionServer>> serve_models(const std::string& dir) {
  auto models = std::make_shared<model::ModelRepository>();
  if (auto s = models->load_directory(dir); !s) return s.error();
  serve::ServeOptions options;
  options.http.port = 0;
  options.http.threads = 1;
  auto server = std::make_unique<serve::PredictionServer>(options, models);
  if (auto s = server->start(); !s) return s.error();
  return server;
}

int run_demo(const DemoFlags& flags) {
  auto dir = find_models(flags);
  if (!dir) return report_error(dir.error().message);
  for (const char* name : {"ceramic-armor", "fraud-detector"}) {
    if (!fs::exists(fs::path(*dir) / name / "config.yaml")) {
      return report_error(*dir + " has no model '" + name +
                              "': hone demo runs on the demo models (hone model demo --out DIR "
                              "makes them); for your own models use hone serve and hone load",
                          2);
    }
  }
  const fs::path out = flags.out_dir;
  std::error_code error;
  fs::create_directories(out, error);
  if (error) return report_error(out.string() + ": " + error.message());
  const double seconds = flags.quick ? 4 : 20;
  spdlog::set_level(
      spdlog::level::warn);  // the steps say what happens; the servers' info would not
  const double rate = 300;
  std::printf(
      "hone demo: serve two models, load them, find what slows them down, fix it and prove "
      "it\n(models from %s; files in %s)\n",
      dir->c_str(), out.string().c_str());

  const ServingChoice naive;
  step(1,
       "Serving the demo models with a naive configuration: no response cache, and batching "
       "that waits up to " +
           naive.max_queue_delay + " for company");
  if (auto s = write_repository(*dir, (out / "naive-models").string(), naive); !s)
    return report_error(s.error().message);
  auto server = serve_models((out / "naive-models").string());
  if (!server) return report_error(server.error().message);
  const std::string base = "http://127.0.0.1:" + std::to_string((*server)->port());
  auto client = http::Client::connect("127.0.0.1", (*server)->port());
  if (!client) return report_error(client.error().message);
  auto ceramic = model::demo_dataset("ceramic-armor", 2, 2026);
  auto fraud = model::demo_dataset("fraud-detector", 2, 2026);
  if (!ceramic || !fraud) return report_error("cannot make demo rows");
  bool ok = show(*client, "/v2/models/ceramic-armor/infer",
                 R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,12],"data":)" +
                     rows_json(*ceramic, 0, 1) + "}]}",
                 "an armour ceramic's hardness, KServe v2");
  ok &= show(*client, "/v1/models/fraud-detector:predict",
             R"({"instances":)" + named_rows_json(*fraud, 0, 1) + "}",
             "a transaction's fraud probability, TF-Serving style");
  if (!ok) return report_error("the demo models did not answer");

  step(2, "A realistic load: " + std::to_string(static_cast<int>(rate)) + " requests/s for " +
              std::to_string(static_cast<int>(seconds)) +
              " s over both models, inputs from data files in which many repeat, the server's "
              "/metrics scraped every second");
  if (auto s = write_workload(out.string(), base); !s) return report_error(s.error().message);
  auto before = run_workload(out.string(), base, rate, seconds);
  (*server)->stop();
  if (!before) return report_error(before.error().message);
  print_run(*before);
  std::string json;
  report::write_result_json(*before, json);
  if (auto s = report::write_text_file((out / "naive.json").string(), json); !s)
    return report_error(s.error().message);

  step(3, "What the analysis finds (hone analyze naive.json)");
  const analyze::Analysis analysis = analyze::analyze_result(*before);
  indent(analyze::format_analysis(analysis));

  std::vector<std::string> applied;
  const ServingChoice better = recommended(analysis, naive, applied);
  step(4, applied.empty()
              ? std::string("No serving change recommended: serving as before")
              : "Applying the recommendations to each model's config.yaml: " + join(applied, "; "));
  if (auto s = write_repository(*dir, (out / "improved-models").string(), better); !s)
    return report_error(s.error().message);
  server = serve_models((out / "improved-models").string());
  if (!server) return report_error(server.error().message);
  const std::string base_after = "http://127.0.0.1:" + std::to_string((*server)->port());

  step(5, "The same load again");
  auto after = run_workload(out.string(), base_after, rate, seconds);
  (*server)->stop();
  if (!after) return report_error(after.error().message);
  print_run(*after);
  json.clear();
  report::write_result_json(*after, json);
  if (auto s = report::write_text_file((out / "improved.json").string(), json); !s)
    return report_error(s.error().message);

  step(6, "The comparison (hone report compare naive.json improved.json)");
  auto comparison = analyze::compare_runs({*before}, {*after});
  if (!comparison) return report_error(comparison.error().message);
  indent(analyze::format_comparison(*comparison, "naive.json", "improved.json"));

  const std::string page = (out / "report.html").string();
  report::HtmlPage html;
  html.title = "hone demo: naive against improved";
  const std::string after_analysis = analyze::analysis_json(analyze::analyze_result(*after));
  html.runs = {{"naive.json", &*before, analyze::analysis_json(analysis)},
               {"improved.json", &*after, after_analysis}};
  html.comparison_json = analyze::comparison_json(*comparison, "naive.json", "improved.json", {});
  if (auto s = report::write_text_file(page, report::render_html_report(html)); !s)
    return report_error(s.error().message);
  step(7, "One report with both runs, the analysis and the comparison: open it in a browser");
  std::printf("   %s\n", fs::absolute(page).string().c_str());
  return 0;
}

}  // namespace

Command add_demo_command(CLI::App& root) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* app = root.add_subcommand(
      "demo", "The whole story on the demo models: serve, load, analyze, improve, compare, report");
  app->add_option("--models", flags->models_dir,
                  "A folder holding the demo models, as hone model demo --out DIR makes them "
                  "(default: examples/models, trained if missing)");
  app->add_option("--out", flags->out_dir,
                  "Folder for the runs, their data and report.html (default: hone-demo)");
  app->add_flag("--quick", flags->quick, "Load for 4 s instead of 20 s each time");
  return {app, [flags] { return run_demo(*flags); }};
}

}  // namespace hone::cli
