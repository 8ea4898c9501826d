// Explanations through hone serve: v2 `parameters: {"explain": true}` adds a "contributions"
// output and v1 `"explain": true` a "contributions" list, each equal to libxgboost's
// pred_contribs for the same rows; contributions and bias sum to the margin; explained answers
// are cached (a repeat is a HIT) under entries of their own; libxgboost explains with its own
// pred_contribs; a model that cannot be explained, and a
// flag that is not a boolean, are 400s.
#include <gtest/gtest.h>
#include <simdjson.h>

#include <atomic>
#include <cmath>
#include <thread>

#include "support/served.h"
#include "support/xgb_reference.h"

namespace hone::test {
namespace {

const std::string kModel = kExamples + "/ceramic-armor/model.json";
const std::vector<float> kRows = {60, 20, 10, 5, 5, 1800, 2, 30, 3, 1.5F, 98.5F, 10,
                                  55, 25, 8,  6, 4, 1750, 3, 28, 2, 1.2F, 97.0F, 12};

std::vector<double> numbers(simdjson::dom::element list) {
  std::vector<double> out;
  const simdjson::dom::array items = list.get_array().value();
  for (const auto item : items) {
    if (item.is_array()) {
      const auto inner = numbers(item);
      out.insert(out.end(), inner.begin(), inner.end());
    } else {
      out.push_back(item.get_double().value());
    }
  }
  return out;
}

void expect_reference(const std::vector<double>& got) {
  const auto expected = xgboost_reference(kModel, kRows, 2, 12, 2);
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i], expected[i], 1e-5 * std::max(1.0, std::fabs(double{expected[i]}))) << i;
  }
}

TEST(ServeExplain, V2AndV1AddContributionsEqualToLibxgboosts) {
  Served served({"--model", "m=" + kModel, "--cache"});
  auto client = served.client();
  const std::string v2 = R"({"parameters":{"explain":true},"inputs":[{"name":"features",
      "shape":[2,12],"datatype":"FP32","data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10,
      55,25,8,6,4,1750,3,28,2,1.2,97.0,12]}]})";
  const auto first = client.post("/v2/models/m/infer", v2).value();
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(first.header("X-Cache"), "MISS");
  simdjson::dom::parser parser;
  const auto answer = parser.parse(first.body).value();
  const auto outputs = answer["outputs"].get_array().value();
  ASSERT_EQ(outputs.size(), 2U);
  const auto contributions = outputs.at(1).value();
  EXPECT_EQ(std::string_view(contributions["name"].get_string().value()), "contributions");
  EXPECT_EQ(numbers(contributions["shape"]), (std::vector<double>{2, 13}));
  const auto values = numbers(contributions["data"]);
  expect_reference(values);
  const auto predictions = numbers(outputs.at(0).value()["data"]);
  ASSERT_EQ(predictions.size(), 2U);
  for (std::size_t row = 0; row < 2; ++row) {
    double sum = 0;
    for (std::size_t f = 0; f < 13; ++f) sum += values[row * 13 + f];
    EXPECT_NEAR(sum, predictions[row], 1e-3) << row;
  }
  const auto again = client.post("/v2/models/m/infer", v2).value();
  EXPECT_EQ(again.header("X-Cache"), "HIT");
  EXPECT_EQ(again.body, first.body);
  // The same rows without explain: an entry of their own, one output.
  const std::string plain = R"({"inputs":[{"name":"features","shape":[2,12],"datatype":"FP32",
      "data":[60,20,10,5,5,1800,2,30,3,1.5,98.5,10,55,25,8,6,4,1750,3,28,2,1.2,97.0,12]}]})";
  const auto unexplained = client.post("/v2/models/m/infer", plain).value();
  EXPECT_EQ(unexplained.header("X-Cache"), "MISS");
  EXPECT_EQ(parser.parse(unexplained.body)["outputs"].get_array().value().size(), 1U);

  const auto v1 = client
                      .post("/v1/models/m:predict",
                            R"({"explain":true,"instances":[[60,20,10,5,5,1800,2,30,3,1.5,98.5,10],
                                [55,25,8,6,4,1750,3,28,2,1.2,97.0,12]]})")
                      .value();
  ASSERT_EQ(v1.status, 200) << v1.body;
  const auto v1_answer = parser.parse(v1.body).value();
  EXPECT_EQ(numbers(v1_answer["predictions"]), predictions);
  ASSERT_EQ(v1_answer["contributions"].at(0).get_array().value().size(), 13U);
  expect_reference(numbers(v1_answer["contributions"]));
}

// The explaining runner is made by whichever request asks first: clients on two I/O threads
// asking at once, mixed with plain requests, all get their answers (run under tsan too).
TEST(ServeExplain, ConcurrentFirstRequestsShareOneExplainingRunner) {
  Served served({"--model", "m=" + kModel, "--threads", "2"});
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&served, &ok, c] {
      auto client = served.client();
      for (int i = 0; i < 10; ++i) {
        const bool explain = (c + i) % 2 == 0;
        const std::string body = std::string(R"({"explain":)") + (explain ? "true" : "false") +
                                 R"(,"instances":[[60,20,10,5,5,1800,2,30,3,1.5,98.5,)" +
                                 std::to_string(c * 10 + i) + "]]}";
        const auto answer = client.post("/v1/models/m:predict", body).value();
        if (answer.status == 200 &&
            (answer.body.find("contributions") != std::string::npos) == explain) {
          ++ok;
        }
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(ok.load(), 40);
}

// On libxgboost (--backend xgboost) the contributions are its own pred_contribs.
TEST(ServeExplain, TheXgboostBackendExplainsWithLibxgboost) {
  Served served({"--model", "m=" + kModel, "--backend", "xgboost"});
  const auto answer = served.client()
                          .post("/v1/models/m:predict", R"({"explain":true,"instances":[
      [60,20,10,5,5,1800,2,30,3,1.5,98.5,10], [55,25,8,6,4,1750,3,28,2,1.2,97.0,12]]})")
                          .value();
  ASSERT_EQ(answer.status, 200) << answer.body;
  simdjson::dom::parser parser;
  expect_reference(numbers(parser.parse(answer.body)["contributions"].value()));
}

TEST(ServeExplain, RefusesWhatCannotBeExplained) {
  // LightGBM's linear trees are not explained.
  Served linear({"--model", "lin=" + std::string(HONE_SOURCE_DIR) +
                                "/tests/fixtures/lightgbm/linear_tree/model.txt"});
  const auto refused =
      linear.client()
          .post("/v1/models/lin:predict", R"({"explain":true,"instances":[[1,2,3,4,5,6]]})")
          .value();
  EXPECT_EQ(refused.status, 400);
  EXPECT_NE(refused.body.find("cannot explain"), std::string::npos) << refused.body;
  Served served({"--model", "m=" + kModel, "--backend", "xgboost"});
  auto client = served.client();
  const auto not_bool = client
                            .post("/v2/models/m/infer",
                                  R"({"parameters":{"explain":"yes"},"inputs":[{"name":"features",
                                        "shape":[1,12],"datatype":"FP32","data":[1,2,3,4,5,6,7,8,9,10,11,12]}]})")
                            .value();
  EXPECT_EQ(not_bool.status, 400);
  EXPECT_NE(not_bool.body.find("'explain' must be true or false"), std::string::npos)
      << not_bool.body;
  const auto off = client
                       .post("/v1/models/m:predict",
                             R"({"explain":false,"instances":[[1,2,3,4,5,6,7,8,9,10,11,12]]})")
                       .value();
  EXPECT_EQ(off.status, 200) << off.body;
  EXPECT_EQ(off.body.find("contributions"), std::string::npos);
}

}  // namespace
}  // namespace hone::test
