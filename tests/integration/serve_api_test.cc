// The prediction server over real HTTP: every endpoint of both protocols, every error answer,
// and predictions equal to libxgboost's own on the same rows.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <cmath>
#include <filesystem>

#include "core/json_writer.h"
#include "http/client.h"
#include "model/demo_models.h"
#include "serve/prediction_server.h"
#include "support/raw_client.h"
#include "support/test_models.h"
#include "support/xgb_reference.h"

namespace hone::serve {
namespace {

const std::string kExamples = std::string(HONE_SOURCE_DIR) + "/examples/models";

std::vector<float> floats_of(const std::string& json, const char* pointer) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json).value();
  std::vector<float> out;
  const auto collect = [&out](auto&& self, simdjson::dom::element node) -> void {
    if (node.is_array()) {
      const simdjson::dom::array array = node.get_array().value();
      for (const simdjson::dom::element item : array) self(self, item);
    } else if (node.is_null()) {
      out.push_back(std::nanf(""));
    } else {
      out.push_back(static_cast<float>(node.get_double().value()));
    }
  };
  collect(collect, root.at_pointer(pointer).value());
  return out;
}

std::string rows_json(const std::vector<float>& rows, std::size_t cols) {
  std::string out;
  JsonWriter json(out);
  json.begin_array();
  for (std::size_t r = 0; r < rows.size() / cols; ++r) {
    json.begin_array();
    for (std::size_t c = 0; c < cols; ++c) json.value(rows[r * cols + c]);
    json.end_array();
  }
  json.end_array();
  return out;
}

class ServeApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto models = std::make_shared<model::ModelRepository>();
    ASSERT_TRUE(models->load_directory(kExamples, {2}));
    ASSERT_TRUE(
        models->add_artifact("classes=" + test::test_model("softprob").path, "xgboost", {2}));
    ServeOptions options;
    options.http.port = 0;
    options.http.threads = 2;
    options.http.limits.max_body_bytes = 64 * 1024;
    server_ = new PredictionServer(options, models);
    ASSERT_TRUE(server_->start());
  }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  void SetUp() override {
    client_.emplace(http::Client::connect("127.0.0.1", server_->port()).value());
  }

  http::ClientResponse get(const std::string& target) { return client_->get(target).value(); }
  http::ClientResponse post(const std::string& target, const std::string& body) {
    return client_->post(target, body).value();
  }

  static PredictionServer* server_;
  std::optional<http::Client> client_;
};

PredictionServer* ServeApiTest::server_ = nullptr;

TEST_F(ServeApiTest, ServerMetadataAndHealth) {
  auto meta = get("/v2");
  EXPECT_EQ(meta.status, 200);
  EXPECT_NE(meta.body.find(R"("name":"hone")"), std::string::npos);
  EXPECT_EQ(meta.header("Content-Type"), "application/json");
  EXPECT_EQ(get("/v2/health/live").body, R"({"live":true})");
  auto ready = get("/v2/health/ready");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, R"({"ready":true})");
}

TEST_F(ServeApiTest, ModelMetadataAndReadiness) {
  auto meta = get("/v2/models/ceramic-armor");
  EXPECT_EQ(meta.status, 200);
  EXPECT_EQ(meta.body,
            R"({"name":"ceramic-armor","versions":["1"],"platform":"trees","inputs":[{"name":)"
            R"("features","datatype":"FP32","shape":[-1,12],"parameters":{"feature_names":)"
            R"(["al2o3_wt_pct","sic_wt_pct","b4c_wt_pct","tib2_wt_pct","sinter_aid_wt_pct",)"
            R"("sinter_temp_c","dwell_time_h","hot_press_mpa","grain_size_um","porosity_pct",)"
            R"("rel_density_pct","cooling_rate_c_min"]}}],"outputs":[{"name":"hardness_gpa",)"
            R"("datatype":"FP32","shape":[-1,1]}]})");
  EXPECT_EQ(get("/v2/models/ceramic-armor/versions/1").body, meta.body);
  EXPECT_EQ(get("/v2/models/fraud-detector/ready").status, 200);
  EXPECT_EQ(get("/v2/models/fraud-detector/versions/1/ready").body, R"({"ready":true})");

  auto unknown = get("/v2/models/nope");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.body, R"({"error":"unknown model 'nope'"})");
  EXPECT_EQ(get("/v2/models/nope/ready").status, 404);
  auto version = get("/v2/models/ceramic-armor/versions/7");
  EXPECT_EQ(version.status, 404);
  EXPECT_NE(version.body.find("has no version '7'"), std::string::npos);
}

TEST_F(ServeApiTest, V2InferMatchesLibxgboost) {
  auto data = model::demo_dataset("fraud-detector", 40, 77).value();  // holds missing values
  const std::string body = R"({"id":"batch-7","inputs":[{"name":"features","datatype":"FP32",)"
                           R"("shape":[40,30],"data":)" +
                           rows_json(data.features, 30) + "}]}";
  auto response = post("/v2/models/fraud-detector/infer", body);
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_NE(response.body.find(R"("id":"batch-7")"), std::string::npos);
  EXPECT_NE(response.body.find(R"("shape":[40,1])"), std::string::npos);
  const auto expected =
      test::xgboost_reference(kExamples + "/fraud-detector/model.json", data.features, 40, 30);
  EXPECT_EQ(floats_of(response.body, "/outputs/0/data"), expected);
}

TEST_F(ServeApiTest, VersionedInferAndFlatData) {
  auto data = model::demo_dataset("ceramic-armor", 3, 5).value();
  std::string flat;
  JsonWriter json(flat);
  json.begin_array();
  for (const float x : data.features) json.value(x);
  json.end_array();
  auto response = post(
      "/v2/models/ceramic-armor/versions/1/infer",
      R"({"inputs":[{"name":"features","datatype":"FP32","shape":[3,12],"data":)" + flat + "}]}");
  ASSERT_EQ(response.status, 200) << response.body;
  EXPECT_EQ(response.body.find(R"("id")"), std::string::npos);  // no id asked, none echoed
  EXPECT_EQ(floats_of(response.body, "/outputs/0/data"),
            test::xgboost_reference(kExamples + "/ceramic-armor/model.json", data.features, 3, 12));
}

TEST_F(ServeApiTest, V1PredictWithArraysAndNamedFeatures) {
  auto data = model::demo_dataset("fraud-detector", 5, 9).value();
  const auto expected =
      test::xgboost_reference(kExamples + "/fraud-detector/model.json", data.features, 5, 30);
  auto arrays = post("/v1/models/fraud-detector:predict",
                     R"({"instances":)" + rows_json(data.features, 30) + "}");
  ASSERT_EQ(arrays.status, 200) << arrays.body;
  EXPECT_EQ(floats_of(arrays.body, "/predictions"), expected);

  std::string named;
  JsonWriter json(named);
  json.begin_object().key("instances").begin_array();
  for (std::size_t r = 0; r < 5; ++r) {
    json.begin_object();
    for (std::size_t c = 0; c < 30; ++c) {
      const float x = data.features[r * 30 + c];
      if (!std::isnan(x)) json.key(data.feature_names[c]).value(x);  // missing = left out
    }
    json.end_object();
  }
  json.end_array().end_object();
  auto objects = post("/v1/models/fraud-detector/versions/1:predict", named);
  ASSERT_EQ(objects.status, 200) << objects.body;
  EXPECT_EQ(floats_of(objects.body, "/predictions"), expected);
}

TEST_F(ServeApiTest, V1ColumnarInputsAndFp64AnswerAsTheRowForms) {
  auto data = model::demo_dataset("fraud-detector", 4, 11).value();
  const auto expected =
      test::xgboost_reference(kExamples + "/fraud-detector/model.json", data.features, 4, 30);
  // TF-Serving's columnar form: one list per named feature ({"inputs": {...}}), "outputs" back.
  std::string columns;
  JsonWriter json(columns);
  json.begin_object().key("inputs").begin_object();
  for (std::size_t c = 0; c < 30; ++c) {
    json.key(data.feature_names[c]).begin_array();
    for (std::size_t r = 0; r < 4; ++r) {
      const float x = data.features[r * 30 + c];
      if (std::isnan(x)) {
        json.null();
      } else {
        json.value(x);
      }
    }
    json.end_array();
  }
  json.end_object().end_object();
  auto columnar = post("/v1/models/fraud-detector:predict", columns);
  ASSERT_EQ(columnar.status, 200) << columnar.body;
  EXPECT_EQ(columnar.body.rfind(R"({"outputs":[)", 0), 0U) << columnar.body;
  EXPECT_EQ(floats_of(columnar.body, "/outputs"), expected);
  // KServe v2 FP64 data (numpy's default) is rounded to FP32 as XGBoost rounds float64 input.
  auto fp64 = post("/v2/models/fraud-detector/infer",
                   R"({"inputs":[{"name":"features","datatype":"FP64","shape":[4,30],"data":)" +
                       rows_json(data.features, 30) + "}]}");
  ASSERT_EQ(fp64.status, 200) << fp64.body;
  EXPECT_EQ(floats_of(fp64.body, "/outputs/0/data"), expected);
}

TEST_F(ServeApiTest, V1ModelStatusAndMetadata) {
  for (const char* path : {"/v1/models/ceramic-armor", "/v1/models/ceramic-armor/versions/1"}) {
    auto status = get(path);
    EXPECT_EQ(status.status, 200) << path;
    EXPECT_EQ(status.body, R"({"model_version_status":[{"version":"1","state":"AVAILABLE",)"
                           R"("status":{"error_code":"OK","error_message":""}}]})");
  }
  auto metadata = get("/v1/models/ceramic-armor/metadata");
  ASSERT_EQ(metadata.status, 200);
  EXPECT_NE(metadata.body.find(R"("model_spec":{"name":"ceramic-armor","signature_name":"",)"
                               R"("version":"1"})"),
            std::string::npos)
      << metadata.body;
  EXPECT_NE(metadata.body.find(R"("serving_default":{"inputs":{"features":{"dtype":"DT_FLOAT")"),
            std::string::npos)
      << metadata.body;
  EXPECT_EQ(get("/v1/models/ceramic-armor/versions/1/metadata").body, metadata.body);
  EXPECT_EQ(get("/v1/models/nope").status, 404);
  EXPECT_EQ(get("/v1/models/nope/metadata").status, 404);
  EXPECT_EQ(get("/v1/models/ceramic-armor/versions/9").status, 404);
}

TEST_F(ServeApiTest, MultiClassOutputs) {
  const auto rows = test::random_rows(4, 6, 21);
  const auto expected = test::xgboost_reference(test::test_model("softprob").path, rows, 4, 6);
  auto v1 = post("/v1/models/classes:predict", R"({"instances":)" + rows_json(rows, 6) + "}");
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_EQ(v1.body.find("[[") != std::string::npos, true);  // a list per row
  EXPECT_EQ(floats_of(v1.body, "/predictions"), expected);
  auto v2 = post("/v2/models/classes/infer",
                 R"({"inputs":[{"name":"features","datatype":"FP32","shape":[4,6],"data":)" +
                     rows_json(rows, 6) + "}]}");
  ASSERT_EQ(v2.status, 200);
  EXPECT_NE(v2.body.find(R"("name":"probabilities","datatype":"FP32","shape":[4,3])"),
            std::string::npos);
  EXPECT_EQ(floats_of(v2.body, "/outputs/0/data"), expected);
}

struct ErrorCase {
  std::string method;
  std::string target;
  std::string body;
  int status;
  std::string message;
};

// Names the case by what it expects, for readable test names.
void PrintTo(const ErrorCase& value, std::ostream* out) { *out << value.message; }

class ServeApiErrors : public ServeApiTest, public ::testing::WithParamInterface<ErrorCase> {};

TEST_P(ServeApiErrors, AnswerWithStatusAndJsonError) {
  const auto& c = GetParam();
  auto response =
      client_->request(c.method, c.target, c.body, {{"Content-Type", "application/json"}}).value();
  EXPECT_EQ(response.status, c.status) << response.body;
  EXPECT_EQ(response.body.rfind(R"({"error":")", 0), 0U) << response.body;
  EXPECT_NE(response.body.find(c.message), std::string::npos) << response.body;
}

const std::string kRow12 = "[1,2,3,4,5,6,7,8,9,10,11,12]";

INSTANTIATE_TEST_SUITE_P(
    Cases, ServeApiErrors,
    ::testing::Values(
        ErrorCase{"POST", "/v2/models/ceramic-armor/infer", "{oops", 400,
                  "invalid JSON: line 1, column 2: expected a quoted member name"},
        ErrorCase{"POST", "/v2/models/ghost/infer", "{}", 404, "unknown model 'ghost'"},
        ErrorCase{"POST", "/v1/models/ghost:predict", "{}", 404, "unknown model 'ghost'"},
        ErrorCase{"GET", "/v2/models/ceramic-armor/infer", "", 405, "method GET is not allowed"},
        ErrorCase{"PUT", "/v2/health/ready", "x", 405, "not allowed"},
        ErrorCase{"GET", "/v3/anything", "", 404, "no route"},
        ErrorCase{"POST", "/v2/models/ceramic-armor/infer",
                  R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,11],"data":[1]}]})",
                  400, "expects [-1, 12]"},
        ErrorCase{"POST", "/v2/models/ceramic-armor/infer",
                  R"({"inputs":[{"name":"features","datatype":"INT64","shape":[1,12],"data":)" +
                      kRow12 + "}]}",
                  400, "datatype INT64"},
        ErrorCase{
            "POST", "/v2/models/ceramic-armor/infer",
            R"({"inputs":[{"name":"features","datatype":"FP32","shape":[2000,12],"data":[]}]})",
            413, "accepts at most 1024"},
        ErrorCase{"POST", "/v1/models/ceramic-armor:predict",
                  R"({"instances":[)" + kRow12 + R"(,[1,2]]})", 400, "instance 1 has 2 values"},
        ErrorCase{"POST", "/v1/models/ceramic-armor:predict",
                  R"({"instances":[{"grain_size_um":2,"colour":"red"}]})", 400,
                  "unknown feature 'colour'"},
        ErrorCase{"POST", "/v1/models/ceramic-armor:predict",
                  R"({"instances":)" + std::string(40, '[') + std::string(40, ']') + "}", 400,
                  "deeper than 32"},
        ErrorCase{"POST", "/v1/models/ceramic-armor:predict",
                  R"({"instances":[")" + std::string(70000, 'x') + R"("]})", 413,
                  "request body too large"}));

TEST_F(ServeApiTest, PipelinedPredictionsComeBackInOrder) {
  auto data = model::demo_dataset("ceramic-armor", 20, 3).value();
  const auto expected =
      test::xgboost_reference(kExamples + "/ceramic-armor/model.json", data.features, 20, 12);
  std::string burst;
  for (std::size_t r = 0; r < 20; ++r) {
    const std::vector<float> row(data.features.begin() + static_cast<long>(r * 12),
                                 data.features.begin() + static_cast<long>((r + 1) * 12));
    burst += test::post_request("/v1/models/ceramic-armor:predict",
                                R"({"instances":)" + rows_json(row, 12) + "}");
  }
  test::RawClient raw(server_->port());
  ASSERT_TRUE(raw.send(burst));  // all twenty at once, on one kept-alive connection
  for (std::size_t r = 0; r < 20; ++r) {
    const auto response = raw.read_response();
    ASSERT_EQ(response.status, 200) << r;
    EXPECT_EQ(floats_of(response.body, "/predictions"), std::vector<float>{expected[r]}) << r;
  }
}

TEST_F(ServeApiTest, HeadAndOptions) {
  auto head = client_->request("HEAD", "/v2/models/ceramic-armor").value();
  EXPECT_EQ(head.status, 200);
  EXPECT_TRUE(head.body.empty());
  auto options = client_->request("OPTIONS", "/v2/models/ceramic-armor/infer").value();
  EXPECT_EQ(options.status, 204);
  EXPECT_EQ(options.header("Allow"), "POST, OPTIONS");
}

}  // namespace
}  // namespace hone::serve
