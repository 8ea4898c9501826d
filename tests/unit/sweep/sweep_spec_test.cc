// Sweep files: what they say, crossed into configurations, and every mistake named with its
// place in the file.
#include "sweep/sweep_spec.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "support/temp_dir.h"

namespace hone::sweep {
namespace {

const std::string kGood = R"(target:
  serve: {models: models, args: [--threads, "1"], cpus: [0]}
parameters:
  model.cache.enabled: [false, true]
  --threads: [1, 2]
  scenario: [a.yaml, b.yaml]
load:
  scenario: predict.yaml
  rates: [100, 200]
  cpus: [0]
slo: "p99 < 10ms and error_rate < 0.1%"
stability: {window: 2s, windows: 4, tolerance: 5%, max_time: 40s}
out: results
)";

TEST(SweepSpec, ReadsEverythingAndCrossesTheParameters) {
  test::TempDir dir;
  const auto spec = read_sweep(dir.write("s.yaml", kGood)).value();
  EXPECT_EQ(spec.models, dir.file("models"));  // relative to the sweep file
  EXPECT_EQ(spec.scenario, dir.file("predict.yaml"));
  EXPECT_EQ(spec.out, dir.file("results"));
  EXPECT_EQ(spec.serve_args, (std::vector<std::string>{"--threads", "1"}));
  EXPECT_EQ(spec.levels, (std::vector<double>{100, 200}));
  EXPECT_EQ(spec.serve_cpus, std::vector<int>{0});
  EXPECT_EQ(spec.load_cpus, std::vector<int>{0});
  EXPECT_FALSE(spec.closed);
  EXPECT_FALSE(spec.search);
  ASSERT_EQ(spec.slo.size(), 2U);
  EXPECT_EQ(spec.slo[0].metric, "p99");
  EXPECT_EQ(spec.slo[1].metric, "error_rate");
  EXPECT_DOUBLE_EQ(spec.stability.window_s, 2);
  EXPECT_EQ(spec.stability.windows, 4);
  EXPECT_DOUBLE_EQ(spec.stability.tolerance, 0.05);
  EXPECT_DOUBLE_EQ(spec.stability.max_time_s, 40);
  const auto configurations = spec.configurations();
  ASSERT_EQ(configurations.size(), 8U);
  EXPECT_EQ(describe(configurations.front()), "cache.enabled=false threads=1 scenario=a");
  EXPECT_EQ(describe(configurations.back()), "cache.enabled=true threads=2 scenario=b");
  EXPECT_EQ(configurations.back()[2].second, dir.file("b.yaml"));
}

TEST(SweepSpec, SearchAndConcurrency) {
  test::TempDir dir;
  const auto search = read_sweep(dir.write("s.yaml", R"(target: {url: http://127.0.0.1:9}
load: {scenario: p.yaml, search: max_rate, start: 50, resolution: 2%, max_rate: 5000}
slo: "p99 < 5ms"
)"))
                          .value();
  EXPECT_TRUE(search.search);
  EXPECT_DOUBLE_EQ(search.search_start, 50);
  EXPECT_DOUBLE_EQ(search.search_resolution, 0.02);
  EXPECT_DOUBLE_EQ(search.search_max, 5000);
  EXPECT_EQ(search.url, "http://127.0.0.1:9");
  EXPECT_EQ(search.configurations().size(), 1U);
  const auto users = read_sweep(dir.write("c.yaml", R"(target: {url: http://127.0.0.1:9}
load: {scenario: p.yaml, concurrency: [1, 4]}
slo: "p99 < 5ms"
)"))
                         .value();
  EXPECT_TRUE(users.closed);
  EXPECT_EQ(users.levels, (std::vector<double>{1, 4}));
}

TEST(SweepSpec, MistakesAreNamed) {
  test::TempDir dir;
  const std::string load = "load: {scenario: p.yaml, rates: [1]}\nslo: \"p99 < 5ms\"\n";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"target: {url: http://x, serve: {models: m}}\n" + load, "either serve"},
      {"target: {}\n" + load, "either serve"},
      {"target: {url: http://x}\nparameters: {--threads: [1]}\n" + load, "need a serve: target"},
      {"target: {serve: {models: m}}\nparameters: {cache: [1]}\n" + load, "parameter 'cache'"},
      {"target: {serve: {models: m}}\nparameters: {--threads: []}\n" + load, "non-empty list"},
      {"target: {url: http://x}\nload: {scenario: p.yaml}\nslo: \"p99 < 5ms\"\n", "give one of"},
      {"target: {url: http://x}\nload: {scenario: p.yaml, rates: [1], search: max_rate}\nslo: "
       "\"p99 < 5ms\"\n",
       "give one of"},
      {"target: {url: http://x}\nload: {scenario: p.yaml, search: min_rate}\nslo: \"p99 < 5ms\"\n",
       "max_rate"},
      {"target: {url: http://x}\nload: {scenario: p.yaml, rates: [-1]}\nslo: \"p99 < 5ms\"\n",
       "positive"},
      {"target: {url: http://x}\n" + load.substr(0, load.find("slo")) + "slo: \"p99 <\"\n", "slo:"},
      {"target: {url: http://x}\n" + load + "stability: {window: 2s, windows: 3, max_time: 4s}\n",
       "max_time"},
      {"target: {url: http://x}\n" + load + "colour: red\n", "colour"},
      {"target: {serve: {models: m, cpus: [4096]}}\n" + load, "cpu 4096 does not exist"},
  };
  for (const auto& [text, message] : cases) {
    const auto spec = read_sweep(dir.write("bad.yaml", text));
    ASSERT_FALSE(spec) << text;
    EXPECT_NE(spec.error().message.find(message), std::string::npos) << text << "\n"
                                                                     << spec.error().message;
    EXPECT_NE(spec.error().message.find("bad.yaml"), std::string::npos) << spec.error().message;
  }
}

}  // namespace
}  // namespace hone::sweep

namespace hone::sweep {
namespace {

// Every sweep in examples/sweeps reads, and what it names exists.
TEST(SweepSpec, TheExamplesRead) {
  int read = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::string(HONE_SOURCE_DIR) + "/examples/sweeps")) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".yaml" || name.rfind("predict-", 0) == 0) continue;
    const auto spec = read_sweep(entry.path().string());
    ASSERT_TRUE(spec) << spec.error().message;
    EXPECT_TRUE(std::filesystem::exists(spec->models + "/ceramic-armor/config.yaml")) << name;
    EXPECT_TRUE(std::filesystem::exists(spec->scenario)) << name;
    for (const auto& c : spec->configurations()) {
      for (const auto& [key, value] : c) {
        if (key == "scenario") {
          EXPECT_TRUE(std::filesystem::exists(value)) << value;
        }
      }
    }
    ++read;
  }
  EXPECT_EQ(read, 4);
}

}  // namespace
}  // namespace hone::sweep
