// The KServe/Triton statistics extension over real HTTP: GET /v2 lists it, and the counts of
// /v2/models/{m}/stats equal the requests sent: successes, failures, per-stage counts, cache hits
// and misses, backend calls by batch size.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "http/client.h"
#include "serve/prediction_server.h"
#include "support/temp_dir.h"
#include "support/test_models.h"

namespace hone::serve {
namespace {
namespace fs = std::filesystem;

class StatsExtensionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    features_ = test::test_model("regression").features;
    add_model("plain", "backend: xgboost\n");
    add_model("cached", "backend: xgboost\ncache: {enabled: true}\n");
    auto models = std::make_shared<model::ModelRepository>();
    ASSERT_TRUE(models->load_directory(dir_.path().string(), {1}));
    ServeOptions options;
    options.http.port = 0;
    options.http.threads = 2;
    server_ = std::make_unique<PredictionServer>(options, std::move(models));
    ASSERT_TRUE(server_->start());
    client_.emplace(http::Client::connect("127.0.0.1", server_->port()).value());
  }

  void add_model(const std::string& name, const std::string& config) {
    fs::create_directories(dir_.path() / name);
    fs::copy_file(test::test_model("regression").path, dir_.path() / name / "model.json");
    dir_.write(name + "/config.yaml", config);
  }

  // A v2 body of `rows` rows whose first feature is `value`.
  std::string body(std::size_t rows, float value) const {
    std::string data;
    for (std::size_t i = 0; i < rows * features_; ++i) {
      if (!data.empty()) data += ',';
      data += std::to_string(i % features_ == 0 ? value : 0.5F);
    }
    return R"({"inputs":[{"name":"features","datatype":"FP32","shape":[)" + std::to_string(rows) +
           "," + std::to_string(features_) + R"(],"data":[)" + data + "]}]}";
  }

  int infer(const std::string& model, const std::string& text) {
    return client_->post("/v2/models/" + model + "/infer", text).value().status;
  }

  // Model stats are recorded once each answer is written, which may be just after the client
  // reads it: ask until `done` holds or five seconds pass, and return the last model_stats[0].
  simdjson::dom::element stats_until(const std::string& path,
                                     const std::function<bool(simdjson::dom::element)>& done) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    simdjson::dom::element model;
    do {
      const auto response = client_->get(path).value();
      EXPECT_EQ(response.status, 200) << response.body;
      text_ = response.body;
      model = parser_.parse(text_).value()["model_stats"].at(0).value();
      if (done(model)) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    } while (std::chrono::steady_clock::now() < deadline);
    return model;
  }

  static std::int64_t count(simdjson::dom::element model, const char* stat) {
    return model["inference_stats"][stat]["count"].get_int64().value();
  }
  static std::int64_t ns(simdjson::dom::element model, const char* stat) {
    return model["inference_stats"][stat]["ns"].get_int64().value();
  }

  test::TempDir dir_;
  std::size_t features_ = 0;
  std::unique_ptr<PredictionServer> server_;
  std::optional<http::Client> client_;
  simdjson::dom::parser parser_;
  std::string text_;
};

TEST_F(StatsExtensionTest, ServerMetadataListsStatistics) {
  const auto response = client_->get("/v2").value();
  simdjson::dom::parser parser;
  const simdjson::dom::array extensions =
      parser.parse(response.body).value()["extensions"].get_array().value();
  bool listed = false;
  for (const auto item : extensions) listed |= item.get_string().value() == "statistics";
  EXPECT_TRUE(listed) << response.body;
}

TEST_F(StatsExtensionTest, CountsEqualTheRequestsSent) {
  for (int i = 0; i < 7; ++i) ASSERT_EQ(infer("plain", body(1, static_cast<float>(i))), 200);
  ASSERT_EQ(infer("plain", body(3, 1)), 200);
  ASSERT_EQ(infer("plain", "{not json"), 400);
  ASSERT_EQ(infer("plain", R"({"inputs":[]})"), 400);

  const auto model = stats_until("/v2/models/plain/stats", [](simdjson::dom::element m) {
    return count(m, "success") == 8 && count(m, "fail") == 2;
  });
  EXPECT_EQ(model["name"].get_string().value(), "plain");
  EXPECT_EQ(count(model, "success"), 8) << text_;
  EXPECT_EQ(count(model, "fail"), 2);
  for (const char* stage : {"compute_input", "queue", "compute_infer", "compute_output"}) {
    EXPECT_EQ(count(model, stage), 8) << stage;
  }
  EXPECT_EQ(count(model, "cache_hit"), 0);
  EXPECT_EQ(count(model, "cache_miss"), 0);
  EXPECT_GT(ns(model, "compute_infer"), 0);
  EXPECT_GE(ns(model, "success"), ns(model, "compute_infer"));
  EXPECT_GT(ns(model, "fail"), 0);
  EXPECT_EQ(model["inference_count"].get_int64().value(), 10);  // rows computed
  EXPECT_EQ(model["execution_count"].get_int64().value(), 8);
  EXPECT_GT(model["last_inference"].get_int64().value(), 1'700'000'000'000);
  std::map<std::int64_t, std::int64_t> executions;
  const simdjson::dom::array batches = model["batch_stats"].get_array().value();
  for (const auto batch : batches) {
    executions[batch["batch_size"].get_int64().value()] =
        batch["compute_infer"]["count"].get_int64().value();
    EXPECT_GT(batch["compute_infer"]["ns"].get_int64().value(), 0);
  }
  EXPECT_EQ(executions, (std::map<std::int64_t, std::int64_t>{{1, 7}, {3, 1}}));
}

TEST_F(StatsExtensionTest, CacheHitsCountAsSuccessesOnly) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(infer("cached", body(1, 42)), 200);
  const auto model = stats_until("/v2/models/cached/stats",
                                 [](simdjson::dom::element m) { return count(m, "success") == 5; });
  EXPECT_EQ(count(model, "success"), 5) << text_;
  EXPECT_EQ(count(model, "cache_hit"), 4);
  EXPECT_EQ(count(model, "cache_miss"), 1);
  EXPECT_EQ(count(model, "compute_infer"), 1);
  EXPECT_EQ(model["execution_count"].get_int64().value(), 1);
  EXPECT_EQ(model["inference_count"].get_int64().value(), 1);
}

TEST_F(StatsExtensionTest, EveryModelOrOneVersion) {
  ASSERT_EQ(infer("plain", body(1, 1)), 200);
  const auto all = client_->get("/v2/models/stats").value();
  ASSERT_EQ(all.status, 200);
  simdjson::dom::parser parser;
  std::set<std::string> names;
  const simdjson::dom::array models =
      parser.parse(all.body).value()["model_stats"].get_array().value();
  for (const auto model : models) {
    names.emplace(model["name"].get_string().value());
  }
  EXPECT_EQ(names, (std::set<std::string>{"cached", "plain"}));

  const auto metadata = client_->get("/v2/models/plain").value();
  const std::string version(
      parser.parse(metadata.body).value()["versions"].at(0).get_string().value());
  EXPECT_EQ(client_->get("/v2/models/plain/versions/" + version + "/stats").value().status, 200);
  const auto wrong = client_->get("/v2/models/plain/versions/99/stats").value();
  EXPECT_EQ(wrong.status, 404);
  EXPECT_NE(wrong.body.find("no version '99'"), std::string::npos) << wrong.body;
  const auto unknown = client_->get("/v2/models/nope/stats").value();
  EXPECT_EQ(unknown.status, 404);
  EXPECT_NE(unknown.body.find("unknown model 'nope'"), std::string::npos) << unknown.body;
  EXPECT_EQ(client_->post("/v2/models/stats", "{}").value().status, 405);
}

}  // namespace
}  // namespace hone::serve
