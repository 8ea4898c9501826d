// hone serve with an ONNX tree ensemble: a folder holding only model.onnx serves on the native
// engine under the file's input name; a classifier answers its probabilities and, as the output
// "label" (v2) or "labels" (v1), each row's most probable class (strings as BYTES, integers as
// INT64), as ONNX Runtime labelled the same rows; a request may ask for the label alone.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "support/fixture_files.h"
#include "support/served.h"
#include "support/temp_dir.h"

namespace hone::test {
namespace {

const std::string kFixtures = std::string(HONE_SOURCE_DIR) + "/tests/fixtures/onnx/";

// The first `count` fixture rows as a JSON array of arrays.
std::string rows_json(const std::string& fixture, std::size_t count) {
  const auto rows = read_csv_fields(kFixtures + fixture + "/rows.csv");
  std::string json = "[";
  for (std::size_t r = 0; r < count; ++r) {
    json += r > 0 ? ",[" : "[";
    for (std::size_t f = 0; f < rows[r].size(); ++f) json += (f > 0 ? "," : "") + rows[r][f];
    json += "]";
  }
  return json + "]";
}

// A v2 infer body of the fixture's first `count` rows, with `extra` members after "inputs".
std::string infer_body(const std::string& fixture, std::size_t count,
                       const std::string& extra = "") {
  return R"({"inputs":[{"name":"input","shape":[)" + std::to_string(count) +
         R"(,6],"datatype":"FP32","data":)" + rows_json(fixture, count) + "}]" + extra + "}";
}

TEST(ServeOnnx, AClassifierAnswersProbabilitiesAndLabels) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("forest"));
  std::filesystem::copy_file(kFixtures + "rf_classifier/model.onnx", dir.file("forest/model.onnx"));
  Served served({"--model", dir.file("forest")});
  const auto expected = read_csv_fields(kFixtures + "rf_classifier/expected.csv");
  auto client = served.client();
  const auto answer =
      client.post("/v2/models/forest/infer", infer_body("rf_classifier", 3)).value();
  ASSERT_EQ(answer.status, 200) << answer.body;
  simdjson::dom::parser parser;
  const auto outputs = parser.parse(answer.body)["outputs"].get_array().value();
  ASSERT_EQ(outputs.size(), 2U) << answer.body;
  EXPECT_EQ(std::string_view(outputs.at(0)["name"].get_string().value()), "probabilities");
  EXPECT_EQ(std::string_view(outputs.at(1)["name"].get_string().value()), "label");
  EXPECT_EQ(std::string_view(outputs.at(1)["datatype"].get_string().value()), "BYTES");
  for (std::size_t r = 0; r < 3; ++r) {
    EXPECT_EQ(std::string_view(outputs.at(1)["data"].at(r).get_string().value()), expected[r][0]);
    for (std::size_t k = 0; k < 3; ++k) {
      EXPECT_NEAR(outputs.at(0)["data"].at(r * 3 + k).get_double().value(),
                  std::stod(expected[r][k + 1]), 1e-6);
    }
  }

  const auto label_only =
      client
          .post("/v2/models/forest/infer",
                infer_body("rf_classifier", 1, R"(,"outputs":[{"name":"label"}])"))
          .value();
  ASSERT_EQ(label_only.status, 200) << label_only.body;
  EXPECT_NE(label_only.body.find(R"("outputs":[{"name":"label")"), std::string::npos)
      << label_only.body;
  EXPECT_EQ(label_only.body.find("probabilities"), std::string::npos) << label_only.body;

  const auto unknown = client
                           .post("/v2/models/forest/infer",
                                 infer_body("rf_classifier", 1, R"(,"outputs":[{"name":"class"}])"))
                           .value();
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.body.find("'label'"), std::string::npos) << unknown.body;

  const auto v1 = client
                      .post("/v1/models/forest:predict",
                            R"({"instances":)" + rows_json("rf_classifier", 2) + "}")
                      .value();
  ASSERT_EQ(v1.status, 200) << v1.body;
  EXPECT_NE(v1.body.find(R"("labels":[")" + expected[0][0] + R"(",")" + expected[1][0] + "\"]"),
            std::string::npos)
      << v1.body;

  const std::string metadata = served.get("/v2/models/forest");
  EXPECT_NE(metadata.find(R"("platform":"trees")"), std::string::npos) << metadata;
  EXPECT_NE(metadata.find(R"("inputs":[{"name":"input")"), std::string::npos) << metadata;
  EXPECT_NE(metadata.find(R"({"name":"label","datatype":"BYTES","shape":[-1],)"
                          R"("parameters":{"classes":["low","mid","high"]}})"),
            std::string::npos)
      << metadata;
}

TEST(ServeOnnx, IntegerLabelsAreInt64) {
  Served served({"--model", "boost=" + kFixtures + "gbc_multiclass/model.onnx"});
  const auto expected = read_csv_fields(kFixtures + "gbc_multiclass/expected.csv");
  const auto answer =
      served.client().post("/v2/models/boost/infer", infer_body("gbc_multiclass", 2)).value();
  ASSERT_EQ(answer.status, 200) << answer.body;
  EXPECT_NE(answer.body.find(R"({"name":"label","datatype":"INT64","shape":[2],"data":[)" +
                             expected[0][0] + "," + expected[1][0] + "]}"),
            std::string::npos)
      << answer.body;
}

}  // namespace
}  // namespace hone::test
