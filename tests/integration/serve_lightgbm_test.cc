// hone serve with LightGBM models: a model folder holding only model.txt loads on the native
// engine; TF-Serving instances by feature name, with categories sent by name, answer what the
// codes answer (a name the model does not list is a missing value); the v2 metadata lists the
// categories; a string for a feature without categories is a 400.
#include <gtest/gtest.h>
#include <simdjson.h>

#include "support/served.h"
#include "support/temp_dir.h"

namespace hone::test {
namespace {

const std::string kFixtures = std::string(HONE_SOURCE_DIR) + "/tests/fixtures/lightgbm/";

// Row `row` of a v1 answer: "predictions" for instances, "outputs" for columnar inputs.
double prediction(const std::string& body, std::size_t row, const char* key = "predictions") {
  simdjson::dom::parser parser;
  return parser.parse(body)[key].at(row).get_double().value();
}

TEST(ServeLightgbm, CategoriesByNameAnswerAsTheirCodes) {
  TempDir dir;
  std::filesystem::create_directories(dir.file("shop"));
  std::filesystem::copy_file(kFixtures + "categorical/model.txt", dir.file("shop/model.txt"));
  Served served({"--model", dir.file("shop")});
  auto client = served.client();
  const auto by_code = client
                           .post("/v1/models/shop:predict",
                                 R"({"instances":[[2, 7, 0.5, -1], [0, 29, null, 1],
                                                    [null, 7, 0.5, -1]]})")
                           .value();
  ASSERT_EQ(by_code.status, 200) << by_code.body;
  const auto by_name = client
                           .post("/v1/models/shop:predict",
                                 R"({"instances":[
      {"color": "blue", "city": "city-7", "size": 0.5, "weight": -1},
      ["red", "city-29", null, 1],
      {"color": "no-such-colour", "city": "city-7", "size": 0.5, "weight": -1}]})")
                           .value();
  ASSERT_EQ(by_name.status, 200) << by_name.body;
  for (std::size_t row = 0; row < 3; ++row) {
    EXPECT_EQ(prediction(by_name.body, row), prediction(by_code.body, row)) << row;
  }
  EXPECT_NE(prediction(by_code.body, 0), prediction(by_code.body, 2));
  const auto columns = client
                           .post("/v1/models/shop:predict",
                                 R"({"inputs":{"color":["blue"],"city":["city-7"],
                                                 "size":[0.5],"weight":[-1]}})")
                           .value();
  ASSERT_EQ(columns.status, 200) << columns.body;
  EXPECT_EQ(prediction(columns.body, 0, "outputs"), prediction(by_code.body, 0));

  const auto wrong =
      client.post("/v1/models/shop:predict", R"({"instances":[["blue", "city-7", "big", -1]]})")
          .value();
  EXPECT_EQ(wrong.status, 400);
  EXPECT_NE(wrong.body.find("numbers or null"), std::string::npos) << wrong.body;

  const std::string metadata = served.get("/v2/models/shop");
  EXPECT_NE(metadata.find(R"("categories":{"color":["red","green","blue")"), std::string::npos)
      << metadata;
  EXPECT_NE(metadata.find(R"("city":["city-0")"), std::string::npos);
  EXPECT_NE(metadata.find(R"("feature_names":["color","city","size","weight"])"),
            std::string::npos);
}

TEST(ServeLightgbm, AModelTxtServesOnTheNativeEngineWithItsOutputName) {
  Served served({"--model", "m=" + kFixtures + "multiclass/model.txt"});
  const std::string metadata = served.get("/v2/models/m");
  EXPECT_NE(metadata.find(R"("platform":"trees")"), std::string::npos) << metadata;
  EXPECT_NE(metadata.find(R"("name":"probabilities")"), std::string::npos) << metadata;
  const auto answer = served.client()
                          .post("/v2/models/m/infer",
                                R"({"inputs":[{"name":"features","shape":[1,6],"datatype":"FP32",
                    "data":[0.5, 1, 0, 3, -0.5, 1.2]}]})")
                          .value();
  ASSERT_EQ(answer.status, 200) << answer.body;
  simdjson::dom::parser parser;
  const auto data = parser.parse(answer.body)["outputs"].at(0)["data"].get_array().value();
  ASSERT_EQ(data.size(), 3U);
  double sum = 0;
  for (const auto value : data) sum += value.get_double().value();
  EXPECT_NEAR(sum, 1.0, 1e-6);
}

}  // namespace
}  // namespace hone::test
