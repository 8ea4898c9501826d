#include "cli/demo_story.h"

#include <yaml-cpp/yaml.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "load/engine.h"
#include "load/options.h"
#include "model/demo_models.h"

namespace hone::cli {
namespace {
namespace fs = std::filesystem;

Status write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  if (!out) return fail(path.string() + ": cannot write");
  return {};
}

// `count` lines of a model's rows: 60% drawn from 12 popular inputs, the rest each new.
Result<std::string> rows_csv(const std::string& model, std::size_t count, std::uint64_t seed) {
  auto data = model::demo_dataset(model, count, seed);
  if (!data) return data.error();
  std::string csv;
  for (std::size_t c = 0; c < data->cols; ++c) csv += (c ? ",f" : "f") + std::to_string(c);
  csv += '\n';
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> coin(0, 1);
  for (std::size_t r = 0; r < count; ++r) {
    const std::size_t row = coin(random) < 0.6 ? random() % 12 : r;
    for (std::size_t c = 0; c < data->cols; ++c) {
      const float value = data->features[row * data->cols + c];
      if (c) csv += ',';
      csv += std::isnan(value) ? std::string("null") : std::to_string(value);
    }
    csv += '\n';
  }
  return csv;
}

}  // namespace

Status write_repository(const std::string& from, const std::string& to,
                        const ServingChoice& choice) {
  std::error_code error;
  fs::remove_all(to, error);
  for (const char* name : {"ceramic-armor", "fraud-detector"}) {
    const fs::path source = fs::path(from) / name;
    const fs::path target = fs::path(to) / name;
    fs::create_directories(target, error);
    fs::copy_file(source / "model.json", target / "model.json", error);
    if (error)
      return fail("cannot copy " + (source / "model.json").string() + ": " + error.message());
    YAML::Node config;
    try {
      config = YAML::LoadFile((source / "config.yaml").string());
    } catch (const YAML::Exception& e) {
      return fail((source / "config.yaml").string() + ": " + e.what());
    }
    config["cache"]["enabled"] = choice.cache;
    config["batching"]["max_queue_delay"] = choice.max_queue_delay;
    YAML::Emitter out;
    out << config;
    if (auto s = write_file(target / "config.yaml", std::string(out.c_str()) + "\n"); !s) return s;
  }
  return {};
}

Status write_workload(const std::string& dir, const std::string& base_url) {
  const fs::path folder(dir);
  auto ceramic = rows_csv("ceramic-armor", 600, 11);
  if (!ceramic) return ceramic.error();
  auto fraud = rows_csv("fraud-detector", 600, 12);
  if (!fraud) return fraud.error();
  if (auto s = write_file(folder / "ceramic.csv", *ceramic); !s) return s;
  if (auto s = write_file(folder / "fraud.csv", *fraud); !s) return s;
  return write_file(
      folder / "scenario.yaml",
      "base_url: " + base_url +
          "\n"
          "endpoints:\n"
          "  - name: armor\n"
          "    weight: 2\n"
          "    path: /v2/models/ceramic-armor/infer\n"
          "    body: '{\"inputs\":[{\"name\":\"features\",\"datatype\":\"FP32\",\"shape\":[1,12],"
          "\"data\":[{{row}}]}]}'\n"
          "    data: {file: ceramic.csv, order: random}\n"
          "  - name: fraud\n"
          "    path: /v1/models/fraud-detector:predict\n"
          "    body: '{\"instances\":[[{{row}}]]}'\n"
          "    data: {file: fraud.csv, order: random}\n");
}

Result<report::LoadResult> run_workload(const std::string& dir, const std::string& base_url,
                                        double rate, double seconds) {
  load::LoadOptions options;
  options.url = base_url;
  options.scenario_file = (fs::path(dir) / "scenario.yaml").string();
  options.rate = rate;
  options.duration_s = seconds;
  options.threads = 1;
  options.metrics_url = "/metrics";
  options.seed = 7;
  auto plan = load::build_plan(options);
  if (!plan) return plan.error();
  const std::atomic<bool> stop{false};
  return load::run_load(*plan, nullptr, stop);
}

}  // namespace hone::cli
