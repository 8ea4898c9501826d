// deploy/kubernetes works as written: every manifest matches the Kubernetes API schemas
// (tests/kubernetes/validate.mjs, strict about unknown fields), the Deployment's command line
// serves with the ConfigMap's settings and answers its probes and the adapter's series, the
// shutdown budget holds, and the load Job's shards, run as local processes, merge exactly.
#include <gtest/gtest.h>
#include <simdjson.h>
#include <yaml-cpp/yaml.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/units.h"
#include "support/fixture_files.h"
#include "support/raw_client.h"
#include "support/redis_process.h"
#include "support/served.h"
#include "support/temp_dir.h"
#include "support/text.h"

namespace hone::test {
namespace {

const std::string kManifests = std::string(HONE_SOURCE_DIR) + "/deploy/kubernetes";
const std::string kValidator = std::string(HONE_SOURCE_DIR) + "/tests/kubernetes/validate.mjs";

YAML::Node manifest(const std::string& name) { return YAML::LoadFile(kManifests + "/" + name); }

std::vector<std::string> strings(const YAML::Node& list) {
  std::vector<std::string> out;
  for (const auto& item : list) out.push_back(item.as<std::string>());
  return out;
}

ProcessResult validate(const std::string& path) {
  return run_process({"/usr/bin/env", "node", kValidator, path});
}

TEST(KubernetesFiles, EveryManifestMatchesTheApiSchemas) {
  ASSERT_TRUE(std::filesystem::exists(std::string(HONE_SOURCE_DIR) +
                                      "/tests/kubernetes/node_modules/kubernetes-models"))
      << "the schemas are missing: run scripts/setup --test";
  const ProcessResult result = validate(kManifests);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_EQ(result.out.find("INVALID"), std::string::npos) << result.out;
  for (const char* kind :
       {"Deployment/hone", "Service/hone", "ConfigMap/hone-config", "PodDisruptionBudget/hone",
        "HorizontalPodAutoscaler/hone", "ServiceMonitor/hone", "Deployment/hone-redis",
        "Service/hone-redis", "ConfigMap/hone-adapter-rules", "Job/hone-load",
        "PersistentVolumeClaim/hone-load-results"}) {
    EXPECT_NE(result.out.find(std::string(": ") + kind + "\n"), std::string::npos)
        << kind << " not validated:\n"
        << result.out;
  }
}

TEST(KubernetesFiles, TheValidatorRefusesATypoAndAWrongType) {
  TempDir dir;
  const std::string deployment = read_whole_file(kManifests + "/deployment.yaml");
  const ProcessResult typo =
      validate(dir.write("typo.yaml", replaced(deployment, "readinessProbe:", "readinesProbe:")));
  EXPECT_EQ(typo.exit_code, 1);
  EXPECT_NE(typo.out.find("unknown field /spec/template/spec/containers/0/readinesProbe"),
            std::string::npos)
      << typo.out << typo.err;
  const ProcessResult type =
      validate(dir.write("type.yaml", replaced(deployment, "terminationGracePeriodSeconds: 45",
                                               "terminationGracePeriodSeconds: \"45\"")));
  EXPECT_EQ(type.exit_code, 1);
  EXPECT_NE(type.out.find("terminationGracePeriodSeconds must be integer"), std::string::npos)
      << type.out << type.err;
  const std::string monitor = read_whole_file(kManifests + "/autoscaling/servicemonitor.yaml");
  const ProcessResult crd =
      validate(dir.write("crd.yaml", replaced(monitor, "interval: 15s", "intervals: 15s")));
  EXPECT_EQ(crd.exit_code, 1);
  EXPECT_NE(crd.out.find("unknown field /spec/endpoints/0/intervals"), std::string::npos)
      << crd.out;
}

// The pod's shutdown: the kubelet runs preStop, then sends SIGTERM; hone drains for at most
// drain_timeout; all of it must end before terminationGracePeriodSeconds, or requests inside
// are killed.
TEST(KubernetesFiles, TheShutdownFitsTheGracePeriod) {
  const YAML::Node pod = manifest("deployment.yaml")["spec"]["template"]["spec"];
  const YAML::Node hone = pod["containers"][0];
  const auto pause = strings(hone["lifecycle"]["preStop"]["exec"]["command"]);
  ASSERT_EQ(pause.size(), 2u);
  ASSERT_EQ(pause[0], "sleep");
  const YAML::Node config =
      YAML::Load(manifest("configmap.yaml")["data"]["config.yaml"].as<std::string>());
  const auto drain = parse_duration(config["drain_timeout"].as<std::string>());
  ASSERT_TRUE(drain.ok());
  const double grace_s = pod["terminationGracePeriodSeconds"].as<double>();
  EXPECT_GT(grace_s, std::stod(pause[1]) + std::chrono::duration<double>(*drain).count());
}

TEST(KubernetesFiles, TheDeploymentsCommandLineServesWithTheConfigMap) {
  ASSERT_TRUE(RedisProcess::available()) << "redis-server missing: run scripts/setup --test";
  RedisProcess redis;
  TempDir dir;
  // The ConfigMap's settings with this machine's paths and ports, at the path mounted.
  std::string config = manifest("configmap.yaml")["data"]["config.yaml"].as<std::string>();
  config = replaced(config, "host: 0.0.0.0", "host: 127.0.0.1");
  config = replaced(config, "port: 8000", "port: 0");
  config = replaced(config, "/srv/hone/models", kExamples);
  config = replaced(config, "redis://hone-redis:6379",
                    "redis://127.0.0.1:" + std::to_string(redis.port()));
  const std::string config_path = dir.write("config.yaml", config);
  const YAML::Node hone = manifest("deployment.yaml")["spec"]["template"]["spec"]["containers"][0];
  std::vector<std::string> args = {kHone};
  for (auto arg : strings(hone["args"])) {
    args.push_back(arg == "/etc/hone/config.yaml" ? config_path : arg);
  }
  ChildProcess served(args);
  const std::uint16_t port = listening_port(served.read_line());
  ASSERT_NE(port, 0) << served.stderr_text();
  auto client = http::Client::connect("127.0.0.1", port).value();
  for (const char* probe : {"readinessProbe", "livenessProbe"}) {
    EXPECT_EQ(client.get(hone[probe]["httpGet"]["path"].as<std::string>()).value().status, 200)
        << probe;
  }
  EXPECT_EQ(client.post("/v1/models/ceramic-armor:predict", kRow).value().status, 200);
  EXPECT_EQ(metric_value(port, R"(hone_cache_up{layer="l2"})"), 1);
  EXPECT_EQ(metric_value(port, R"(hone_server_in_flight)"), 0);
  // The adapter's rule asks Prometheus for a series hone exports.
  const YAML::Node rules = YAML::Load(
      YAML::LoadFile(kManifests + "/autoscaling/prometheus-adapter.yaml")["data"]["config.yaml"]
          .as<std::string>());
  const std::string query = rules["rules"][0]["seriesQuery"].as<std::string>();
  const std::string series = query.substr(0, query.find('{'));
  const std::string metrics = client.get("/metrics").value().body;
  EXPECT_NE(metrics.find("\n# TYPE " + series + " gauge\n"), std::string::npos) << series;
  // The Service's name may read /metrics (allowed_hosts); another name may not.
  const auto metrics_for = [port](const std::string& host) {
    RawClient raw(port);
    raw.send("GET /metrics HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
    return raw.read_response().status;
  };
  EXPECT_EQ(metrics_for("hone:8000"), 200);
  EXPECT_EQ(metrics_for("elsewhere:8000"), 403);
  served.signal(SIGTERM);
  EXPECT_EQ(served.wait(), 0);
}

TEST(KubernetesFiles, TheLoadJobsShardsRunAndMergeExactly) {
  Served target({});
  TempDir dir;
  const YAML::Node job = manifest("load/load-job.yaml");
  const int shards = job["spec"]["completions"].as<int>();
  ASSERT_EQ(job["spec"]["completionMode"].as<std::string>(), "Indexed");
  ASSERT_EQ(job["spec"]["parallelism"].as<int>(), shards);
  const YAML::Node load = job["spec"]["template"]["spec"]["containers"][0];
  ASSERT_EQ(load["env"][0]["name"].as<std::string>(), "START_AT");
  // What the Job controller and the kubelet do: the index and START_AT into $(...); here also
  // a local target, a short run and a folder for /results.
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const std::string start_at = std::to_string(now_s + 3);
  std::vector<std::thread> runs;
  std::vector<ProcessResult> results(static_cast<std::size_t>(shards));
  for (int i = 0; i < shards; ++i) {
    std::vector<std::string> args = {kHone};
    for (auto arg : strings(load["args"])) {
      if (arg == "60s") arg = "1s";
      if (arg == "2000") arg = "400";
      for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
               {"$(JOB_COMPLETION_INDEX)", std::to_string(i)},
               {"$(START_AT)", start_at},
               {"http://hone:8000", "http://127.0.0.1:" + std::to_string(target.port)},
               {"/results/", dir.path().string() + "/"}}) {
        if (const auto at = arg.find(from); at != std::string::npos)
          arg.replace(at, from.size(), to);
      }
      args.push_back(arg);
    }
    runs.emplace_back(
        [&results, i, args] { results[static_cast<std::size_t>(i)] = run_process(args); });
  }
  for (auto& run : runs) run.join();
  std::vector<std::string> merge = {kHone, "report", "merge"};
  for (int i = 0; i < shards; ++i) {
    ASSERT_EQ(results[static_cast<std::size_t>(i)].exit_code, 0)
        << results[static_cast<std::size_t>(i)].err;
    merge.push_back(dir.file("shard-" + std::to_string(i) + ".json"));
  }
  merge.insert(merge.end(), {"-o", dir.file("merged.json")});
  const ProcessResult merged = run_process(merge);
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_NE(merged.out.find(std::to_string(shards) + " shards merged"), std::string::npos)
      << merged.out;
  simdjson::dom::parser parser;
  const auto result = parser.load(dir.file("merged.json"));
  EXPECT_EQ(result["summary"]["requests"].get_int64().value(), 400);
  EXPECT_EQ(result["summary"]["failed"].get_int64().value(), 0);
  EXPECT_EQ(result["started_ms"].get_int64().value(), (now_s + 3) * 1000);
}

}  // namespace
}  // namespace hone::test
