// hone demo: the main job on the bundled demo models. For now: start the server, send a few
// predictions of each kind through real HTTP and print them with their timings.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "cli/commands.h"
#include "core/json_writer.h"
#include "core/units.h"
#include "http/client.h"
#include "model/demo_models.h"
#include "model/repository.h"
#include "monitor/model_metrics.h"
#include "serve/prediction_server.h"

namespace hone::cli {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct DemoFlags {
  std::string models_dir;
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

bool show(http::Client& client, const char* method, const std::string& target,
          const std::string& body, const char* what) {
  const auto start = Clock::now();
  auto response = client.request(method, target, body, {{"Content-Type", "application/json"}});
  const auto took = Clock::now() - start;
  if (!response) {
    std::printf("  %-4s %-44s failed: %s\n", method, target.c_str(),
                response.error().message.c_str());
    return false;
  }
  std::string shown = response->body;
  if (shown.size() > 220) shown = shown.substr(0, 217) + "...";
  std::printf("  %-4s %-44s %d in %8s  %s\n       %s\n", method, target.c_str(), response->status,
              format_duration(took).c_str(), what, shown.c_str());
  return response->status == 200;
}

// The server's own trace of `model`'s predictions: end to end and its stages. A request is
// counted once its answer is written, a moment after the client has it, hence the short wait.
void show_breakdown(serve::PredictionServer& server, const std::string& name,
                    std::int64_t requests) {
  const monitor::ModelMetrics* metrics = server.metrics(name);
  if (metrics == nullptr) return;
  const auto deadline = Clock::now() + std::chrono::seconds(1);
  while (metrics->requests() < requests && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // The histograms' buckets are about 12% wide: two significant digits say what they know.
  const auto median = [](const monitor::LogHistogram& histogram) {
    const double us = histogram.snapshot().percentile(50);
    const double scale = us > 0 ? std::pow(10.0, std::floor(std::log10(us)) - 1) : 1;
    const double rounded = std::round(us / scale) * scale;
    char text[32];
    if (rounded >= 1000) {
      std::snprintf(text, sizeof text, "%.*fms", rounded >= 10000 ? 0 : 1, rounded / 1000);
    } else {
      std::snprintf(text, sizeof text, "%.*fus", rounded >= 10 ? 0 : 1, rounded);
    }
    return std::string(text);
  };

  std::printf("  %-15s %lld requests: %s end to end = queue %s + compute %s + serialize %s + I/O\n",
              name.c_str(), static_cast<long long>(metrics->requests()),
              median(metrics->e2e_us).c_str(), median(metrics->queue_us).c_str(),
              median(metrics->compute_us).c_str(), median(metrics->serialize_us).c_str());
}

int run_demo(const DemoFlags& flags) {
  auto dir = find_models(flags);
  if (!dir) return report_error(dir.error().message);
  const auto load_start = Clock::now();
  auto models = std::make_shared<model::ModelRepository>();
  if (auto s = models->load_directory(*dir); !s) return report_error(s.error().message);
  // The demo's requests are made for the demo models; other models would answer 404 or 400.
  for (const char* name : {"ceramic-armor", "fraud-detector"}) {
    if (models->find(name) == nullptr) {
      return report_error(*dir + " has no model '" + name +
                              "': hone demo runs on the demo models (hone model demo --out DIR "
                              "makes them); for your own models use hone serve and hone load",
                          2);
    }
  }
  serve::ServeOptions options;
  options.http.port = 0;
  options.http.threads = 1;
  serve::PredictionServer server(options, models);
  if (auto s = server.start(); !s) return report_error(s.error().message);
  std::printf("hone demo: serving %zu models from %s on http://127.0.0.1:%u (ready in %s)\n\n",
              models->models().size(), dir->c_str(), server.port(),
              format_duration(Clock::now() - load_start).c_str());

  auto client = http::Client::connect("127.0.0.1", server.port());
  if (!client) return report_error(client.error().message);
  auto ceramic = model::demo_dataset("ceramic-armor", 8, 2026);
  auto fraud = model::demo_dataset("fraud-detector", 8, 2026);
  if (!ceramic || !fraud) return report_error("cannot make demo rows");

  bool ok = true;
  ok &= show(*client, "GET", "/v2/health/ready", "", "server readiness");
  ok &= show(*client, "GET", "/v2/models/ceramic-armor", "", "model metadata");
  ok &= show(*client, "POST", "/v2/models/ceramic-armor/infer",
             R"({"id":"demo-1","inputs":[{"name":"features","datatype":"FP32","shape":[1,12],)"
             R"("data":)" +
                 rows_json(*ceramic, 0, 1) + "}]}",
             "one armour ceramic, KServe v2");
  ok &= show(*client, "POST", "/v2/models/ceramic-armor/infer",
             R"({"inputs":[{"name":"features","datatype":"FP32","shape":[4,12],"data":)" +
                 rows_json(*ceramic, 1, 4) + "}]}",
             "four at once");
  ok &= show(*client, "POST", "/v1/models/ceramic-armor:predict",
             R"({"instances":)" + rows_json(*ceramic, 5, 3) + "}", "TF-Serving style");
  ok &= show(*client, "POST", "/v1/models/fraud-detector:predict",
             R"({"instances":)" + named_rows_json(*fraud, 0, 3) + "}",
             "transactions by feature name, missing fields left out");
  ok &= show(*client, "POST", "/v2/models/fraud-detector/infer",
             R"({"inputs":[{"name":"features","datatype":"FP32","shape":[2,30],"data":)" +
                 rows_json(*fraud, 3, 2) + "}]}",
             "fraud probabilities, KServe v2");
  std::printf(
      "\nwhere the time went, as the server measured it (median per request, to two significant\n"
      "digits; the demo models batch, waiting up to 500us for a fuller batch):\n");
  show_breakdown(server, "ceramic-armor", 3);
  show_breakdown(server, "fraud-detector", 2);
  server.stop();
  std::printf("\n%s\n", ok ? "all demo requests answered 200" : "some demo requests failed");
  return ok ? 0 : 1;
}

}  // namespace

Command add_demo_command(CLI::App& root) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* app = root.add_subcommand(
      "demo", "Run the main job on the bundled demo models: serve them and send predictions");
  app->add_option("--models", flags->models_dir,
                  "A folder holding the demo models, as hone model demo --out DIR makes them "
                  "(default: examples/models, trained if missing)");
  return {app, [flags] { return run_demo(*flags); }};
}

}  // namespace hone::cli
