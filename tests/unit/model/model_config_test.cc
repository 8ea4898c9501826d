#include "model/model_config.h"

#include <gtest/gtest.h>

#include "support/temp_dir.h"

namespace hone::model {
namespace {

BackendInfo info_with(std::size_t features, std::size_t outputs, std::string objective) {
  BackendInfo info;
  info.backend = "xgboost";
  info.num_features = features;
  info.num_outputs = outputs;
  info.objective = std::move(objective);
  return info;
}

TEST(ModelConfig, ReadsAFullConfig) {
  test::TempDir dir;
  dir.write("m/config.yaml", R"(name: my-model
version: "3"
backend: xgboost
artifact: weights.json
description: test model
max_rows_per_request: 64
inputs:
  - name: x
    datatype: FP32
    shape: [-1, 3]
    feature_names: [a, b, c]
outputs:
  - name: y
    datatype: FP32
    shape: [-1, 1]
)");
  auto config = load_model_config(dir.file("m"));
  ASSERT_TRUE(config) << config.error().message;
  EXPECT_EQ(config->name, "my-model");
  EXPECT_EQ(config->version, "3");
  EXPECT_EQ(config->artifact, dir.file("m/weights.json"));
  EXPECT_EQ(config->max_rows_per_request, 64U);
  ASSERT_EQ(config->inputs.size(), 1U);
  EXPECT_EQ(config->inputs[0].feature_names, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(reconcile(*config, info_with(3, 1, "reg:squarederror")));
}

TEST(ModelConfig, DefaultsComeFromTheFolderAndArtifact) {
  test::TempDir dir;
  dir.write("folder-name/config.yaml", "backend: xgboost\n");
  auto config = load_model_config(dir.file("folder-name")).value();
  EXPECT_EQ(config.name, "folder-name");
  EXPECT_EQ(config.version, "1");
  EXPECT_EQ(config.artifact, dir.file("folder-name/model.json"));
  auto info = info_with(4, 3, "multi:softprob");
  info.output_name = "probabilities";  // the backend names its output
  info.feature_names = {"f0", "f1", "f2", "f3"};
  ASSERT_TRUE(reconcile(config, info));
  EXPECT_EQ(config.inputs[0].name, "features");
  EXPECT_EQ(config.inputs[0].shape, (std::vector<std::int64_t>{-1, 4}));
  EXPECT_EQ(config.inputs[0].feature_names, info.feature_names);
  EXPECT_EQ(config.outputs[0].name, "probabilities");
  EXPECT_EQ(config.outputs[0].shape, (std::vector<std::int64_t>{-1, 3}));
}

struct BadConfig {
  std::string yaml;
  std::string expected;  // a piece of the error message
};

// Names the case by what it expects, for readable test names.
void PrintTo(const BadConfig& value, std::ostream* out) { *out << value.expected; }

class BadModelConfig : public ::testing::TestWithParam<BadConfig> {};

TEST_P(BadModelConfig, NamesTheFileAndTheProblem) {
  test::TempDir dir;
  dir.write("m/config.yaml", GetParam().yaml);
  auto config = load_model_config(dir.file("m"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find(dir.file("m/config.yaml")), std::string::npos)
      << config.error().message;
  EXPECT_NE(config.error().message.find(GetParam().expected), std::string::npos)
      << config.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadModelConfig,
    ::testing::Values(
        BadConfig{"nmae: x\n", "unknown key 'nmae'"},
        BadConfig{"inputs: 3\n", "'inputs' must be a list"},
        BadConfig{"inputs:\n  - shape: [-1, 2]\n", "needs 'name'"},
        BadConfig{"inputs:\n  - name: x\n    datatype: FP16\n", "unknown datatype"},
        BadConfig{"inputs:\n  - name: x\n    shape: [2, 3]\n", "[-1, width]"},
        BadConfig{"max_rows_per_request: 0\n", "at least 1"},
        BadConfig{"admission: {max_in_flight: 0}\n", "max_in_flight must be 1..1000000"},
        BadConfig{"admission: {adaptive: true}\n", "an adaptive bound needs max_in_flight"},
        BadConfig{"admission: {max_in_flight: 4, adaptive: true, min_in_flight: 8}\n",
                  "min_in_flight is above max_in_flight"},
        BadConfig{"admission: {max_in_flight: 4, window: 10us}\n", "window must be 1ms..60s"},
        BadConfig{"admission: {max_in_flight: 4, limit: 3}\n", "unknown key 'limit'"},
        BadConfig{"auth: optional\n", "auth must be inherit, required or none"},
        BadConfig{"name: 'has space'\n", "may only hold"},
        BadConfig{"name: [unclosed\n", "config.yaml:"},
        BadConfig{"- just\n- a list\n", "must be a mapping"},
        BadConfig{"backend: http\nurl: http://h:1\nprotocol: grpc\n", "expected v2, v1 or json"},
        BadConfig{"backend: http\nurl: http://h:1\nmount: /a\n", "'mount' is for protocol json"},
        BadConfig{"backend: http\nurl: http://h:1\nprotocol: json\nmount: a/\n",
                  "mount 'a/' must be a path"},
        BadConfig{"backend: http\nurl: http://h:1\nprotocol: json\nmount: /a/\n",
                  "no trailing '/'"},
        BadConfig{"backend: http\nurl: http://h:1\nprotocol: json\n"
                  "key_headers: ['X Tenant']\n",
                  "'X Tenant' is not a header name"},
        BadConfig{"backend: http\nurl: http://h:1\nprotocol: json\n"
                  "routes: [{path: /a, action: cache}]\n",
                  "expected predict, proxy or refuse"},
        BadConfig{"backend: http\nurl: http://h:1\nprotocol: json\n"
                  "routes: [{path: a, action: proxy}]\n",
                  "must start with '/'"},
        BadConfig{"backend: http\nurl: http://h:1\nprotocol: json\n"
                  "routes: [{path: /a, action: proxy, verb: GET}]\n",
                  "unknown key 'verb'"}));

TEST(ModelConfig, MissingFileIsAnError) {
  test::TempDir dir;
  auto config = load_model_config(dir.file("nothing"));
  ASSERT_FALSE(config);
  EXPECT_NE(config.error().message.find("cannot open"), std::string::npos);
}

TEST(ModelConfig, ReconcileRejectsWidthMismatches) {
  ModelConfig config = config_for_artifact("m", "/x/model.json", "xgboost");
  config.inputs.push_back({"x", DataType::kFp32, {-1, 5}, {}});
  auto status = reconcile(config, info_with(4, 1, "reg:squarederror"));
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("has width 5 but the model expects 4 features"),
            std::string::npos);

  ModelConfig outputs = config_for_artifact("m", "/x/model.json", "xgboost");
  outputs.outputs.push_back({"y", DataType::kFp32, {-1, 2}, {}});
  EXPECT_FALSE(reconcile(outputs, info_with(4, 1, "reg:squarederror")));

  ModelConfig names = config_for_artifact("m", "/x/model.json", "xgboost");
  names.inputs.push_back({"x", DataType::kFp32, {-1, 2}, {"only-one"}});
  EXPECT_FALSE(reconcile(names, info_with(2, 1, "reg:squarederror")));

  ModelConfig types = config_for_artifact("m", "/x/model.json", "xgboost");
  types.inputs.push_back({"x", DataType::kInt32, {-1, 2}, {}});
  EXPECT_FALSE(reconcile(types, info_with(2, 1, "reg:squarederror")));
}

TEST(ModelConfig, YamlRoundTrips) {
  ModelConfig config = config_for_artifact("round", "/x/model.json", "xgboost");
  config.description = "trip";
  auto info = info_with(2, 1, "binary:logistic");
  info.output_name = "probability";
  ASSERT_TRUE(reconcile(config, info));
  test::TempDir dir;
  dir.write("round/config.yaml", to_yaml(config));
  auto back = load_model_config(dir.file("round")).value();
  EXPECT_EQ(back.name, "round");
  EXPECT_EQ(back.description, "trip");
  EXPECT_EQ(back.outputs[0].name, "probability");
  EXPECT_EQ(back.inputs[0].shape, config.inputs[0].shape);
}

TEST(ModelConfig, ReadsAuthAndWritesItBack) {
  test::TempDir dir;
  for (const auto& [text, policy] : std::vector<std::pair<std::string, AuthPolicy>>{
           {"auth: none\n", AuthPolicy::none},
           {"auth: required\n", AuthPolicy::required},
           {"auth: inherit\n", AuthPolicy::inherit},
           {"backend: xgboost\n", AuthPolicy::inherit}}) {
    dir.write("m/config.yaml", text);
    auto config = load_model_config(dir.file("m")).value();
    EXPECT_EQ(config.auth, policy) << text;
    ASSERT_TRUE(reconcile(config, info_with(2, 1, "reg:squarederror")));
    dir.write("back/config.yaml", to_yaml(config));
    EXPECT_EQ(load_model_config(dir.file("back")).value().auth, policy) << text;
  }
}

TEST(ModelConfig, ReadsAdmissionAndWritesItBack) {
  test::TempDir dir;
  dir.write("m/config.yaml",
            "admission: {max_in_flight: 64, adaptive: true, min_in_flight: 8, window: 250ms}\n");
  auto config = load_model_config(dir.file("m")).value();
  EXPECT_EQ(config.admission.max_in_flight, 64U);
  EXPECT_TRUE(config.admission.adaptive);
  EXPECT_EQ(config.admission.min_in_flight, 8U);
  EXPECT_EQ(config.admission.window, std::chrono::milliseconds(250));
  ASSERT_TRUE(reconcile(config, info_with(2, 1, "reg:squarederror")));
  dir.write("back/config.yaml", to_yaml(config));
  auto back = load_model_config(dir.file("back")).value();
  EXPECT_EQ(back.admission.max_in_flight, 64U);
  EXPECT_TRUE(back.admission.adaptive);
  EXPECT_EQ(back.admission.min_in_flight, 8U);
  EXPECT_EQ(back.admission.window, std::chrono::milliseconds(250));
  // Without a section: no bound of the model's own, and the defaults.
  dir.write("plain/config.yaml", "backend: xgboost\n");
  auto plain = load_model_config(dir.file("plain")).value();
  EXPECT_EQ(plain.admission.max_in_flight, 0U);
  EXPECT_FALSE(plain.admission.adaptive);
  EXPECT_EQ(plain.admission.min_in_flight, 4U);
}

TEST(ModelConfig, ReadsAJsonUpstreamAndWritesItBack) {
  test::TempDir dir;
  dir.write("api/config.yaml", R"(backend: http
url: http://127.0.0.1:9000/base
protocol: json
mount: /fraud
key_headers: [X-Tenant, Authorization]
routes:
  - {method: GET, path: /health, action: proxy}
  - {path: /admin/*, action: refuse}
  - {path: /score, action: predict}
)");
  auto config = load_model_config(dir.file("api")).value();
  const UpstreamSettings& up = config.upstream;
  EXPECT_EQ(up.protocol, "json");
  EXPECT_EQ(up.mount, "/fraud");
  EXPECT_EQ(up.key_headers, (std::vector<std::string>{"X-Tenant", "Authorization"}));
  ASSERT_EQ(up.routes.size(), 3U);
  EXPECT_EQ(up.routes[0].method, "GET");
  EXPECT_EQ(up.routes[1].path, "/admin/*");
  EXPECT_EQ(up.routes[2].action, "predict");
  dir.write("back/config.yaml", to_yaml(config));
  auto back = load_model_config(dir.file("back")).value();
  EXPECT_EQ(back.upstream.mount, "/fraud");
  EXPECT_EQ(back.upstream.key_headers, up.key_headers);
  ASSERT_EQ(back.upstream.routes.size(), 3U);
  EXPECT_EQ(back.upstream.routes[0].method, "GET");
  EXPECT_EQ(back.upstream.routes[1].action, "refuse");

  dir.write("plain/config.yaml", "backend: http\nurl: http://h:1\nprotocol: json\nmount: /\n");
  auto plain = load_model_config(dir.file("plain")).value();
  EXPECT_EQ(plain.upstream.mount, "");  // "/" is the upstream's own paths
  EXPECT_EQ(plain.upstream.key_headers, (std::vector<std::string>{"Authorization"}));
}

}  // namespace
}  // namespace hone::model

namespace hone::model {
namespace {

TEST(ModelConfig, AModelFileIsNamedAfterItselfOrItsFolder) {
  EXPECT_EQ(name_for_artifact("/m/fraud.json"), "fraud");
  EXPECT_EQ(name_for_artifact("/m/churn/model.txt"), "churn");
  EXPECT_EQ(name_for_artifact("/m/churn/model.json"), "churn");
  EXPECT_EQ(name_for_artifact("/m/v1.2.ubj"), "v1.2");
}

}  // namespace
}  // namespace hone::model
