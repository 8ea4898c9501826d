#include "serve/v1_codec.h"

#include <gtest/gtest.h>

#include <cmath>

#include "codec_fixture.h"

namespace hone::serve {
namespace {

Result<InferRequest> decode(std::string body, const model::Model& model) {
  return decode_v1_predict(body, model, make_feature_index(model), JsonLimits{});
}

TEST(V1Codec, DecodesArrayInstances) {
  const auto model = test::make_model();
  auto decoded = decode(R"({"instances":[[1,2,3],[4,null,6]]})", model);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->row_count, 2U);
  EXPECT_EQ(decoded->rows[3], 4.0F);
  EXPECT_TRUE(std::isnan(decoded->rows[4]));
}

TEST(V1Codec, DecodesNamedInstancesWithOmittedFeaturesMissing) {
  const auto model = test::make_model();
  auto decoded = decode(R"({"signature_name":"x","instances":[{"c":3,"a":1},{"b":2}]})", model);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->rows[0], 1.0F);
  EXPECT_TRUE(std::isnan(decoded->rows[1]));
  EXPECT_EQ(decoded->rows[2], 3.0F);
  EXPECT_TRUE(std::isnan(decoded->rows[3]));
  EXPECT_EQ(decoded->rows[4], 2.0F);
}

TEST(V1Codec, ScalarInstancesForOneFeatureModels) {
  const auto model = test::make_model(1, 1, {"only"});
  auto decoded = decode(R"({"instances":[1.5, 2]})", model);
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->rows, (std::vector<float>{1.5F, 2.0F}));
}

struct BadRequest {
  std::string body;
  int status;
  std::string message;
};

// Names the case by what it expects, for readable test names.
void PrintTo(const BadRequest& value, std::ostream* out) { *out << value.message; }

class V1BadRequest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(V1BadRequest, IsRejectedWithAClearMessage) {
  const auto model = test::make_model();
  auto decoded = decode(GetParam().body, model);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, GetParam().status);
  EXPECT_NE(decoded.error().message.find(GetParam().message), std::string::npos)
      << decoded.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, V1BadRequest,
    ::testing::Values(
        BadRequest{"{", 400, "invalid JSON"},
        BadRequest{R"({"input":[[1,2,3]]})", 400, "needs an 'instances' array"},
        BadRequest{R"({"instances":[[1,2,3]],"inputs":[[1,2,3]]})", 400, "not both"},
        BadRequest{R"({"inputs":{"a":[1,2],"b":[3]}})", 400, "different lengths (2 and 1 for 'b')"},
        BadRequest{R"({"inputs":{"a":[1],"zz":[2]}})", 400, "unknown feature 'zz'"},
        BadRequest{R"({"inputs":{"a":1}})", 400, "'a' must be a list with a value per row"},
        BadRequest{R"({"inputs":{"a":["x"]}})", 400, "feature 'a', row 0: tensor values"},
        BadRequest{R"({"inputs":{"features":7}})", 400, "'features' must be a list of rows"},
        BadRequest{R"({"inputs":"x"})", 400, "list of rows or an object of named inputs"},
        BadRequest{R"({"inputs":{"a":[1,2,3,4,5]}})", 413, "at most 4"},
        BadRequest{R"({"instances":[]})", 400, "'instances' is empty"},
        BadRequest{R"({"instances":[[1,2]]})", 400, "instance 0 has 2 values; the model expects 3"},
        BadRequest{R"({"instances":[[1,2,3],{"zz":1}]})", 400,
                   "instance 1 has unknown feature 'zz'"},
        BadRequest{R"({"instances":[{"a":1,"a":2}]})", 400, "gives feature 'a' twice"},
        BadRequest{R"({"instances":[{"a":"x"}]})", 400,
                   "feature 'a': tensor values must be numbers"},
        BadRequest{R"({"instances":[7]})", 400, "must be an array of values or an object"},
        BadRequest{R"({"instances":[[1,2,3],[1,2,3],[1,2,3],[1,2,3],[1,2,3]]})", 413,
                   "at most 4"}));

TEST(V1Codec, DecodesColumnarInputs) {
  const auto model = test::make_model();
  // A list of rows, the model's one input by name, or one list per named feature.
  for (const char* body :
       {R"({"inputs":[[1,2,3],[4,null,6]]})", R"({"inputs":{"features":[[1,2,3],[4,null,6]]}})",
        R"({"inputs":{"c":[3,6],"a":[1,4]}})"}) {
    auto decoded = decode(body, model);
    ASSERT_TRUE(decoded) << body << ": " << decoded.error().message;
    EXPECT_TRUE(decoded->columnar);
    ASSERT_EQ(decoded->row_count, 2U) << body;
    EXPECT_EQ(decoded->rows[0], 1.0F) << body;
    EXPECT_EQ(decoded->rows[2], 3.0F) << body;
    EXPECT_EQ(decoded->rows[3], 4.0F) << body;
    EXPECT_TRUE(std::isnan(decoded->rows[4])) << body;  // null, or a feature left out
    EXPECT_EQ(decoded->rows[5], 6.0F) << body;
  }
  EXPECT_FALSE(decode(R"({"instances":[[1,2,3]]})", model)->columnar);
  const auto unnamed = test::make_model(3, 1, {});
  auto by_name = decode(R"({"inputs":{"a":[1]}})", unnamed);
  ASSERT_FALSE(by_name);
  EXPECT_NE(by_name.error().message.find("has no feature names"), std::string::npos);
}

TEST(V1Codec, NamedInstancesNeedFeatureNames) {
  const auto model = test::make_model(3, 1, {});
  auto decoded = decode(R"({"instances":[{"a":1}]})", model);
  ASSERT_FALSE(decoded);
  EXPECT_NE(decoded.error().message.find("has no feature names"), std::string::npos);
}

TEST(V1Codec, EncodesFlatOrNestedPredictions) {
  InferRequest two;
  two.row_count = 2;
  std::string flat;
  encode_v1_predictions(test::make_model(3, 1), two, std::vector<float>{0.5F, 2}, flat);
  EXPECT_EQ(flat, R"({"predictions":[0.5,2]})");
  std::string nested;
  encode_v1_predictions(test::make_model(3, 2), two, std::vector<float>{1, 2, 3, 4}, nested);
  EXPECT_EQ(nested, R"({"predictions":[[1,2],[3,4]]})");
  two.columnar = true;
  std::string columnar;
  encode_v1_predictions(test::make_model(3, 1), two, std::vector<float>{0.5F, 2}, columnar);
  EXPECT_EQ(columnar, R"({"outputs":[0.5,2]})");
}

TEST(V1Codec, ModelStateFollowsReadiness) {
  EXPECT_EQ(v1_model_state(true, true), "AVAILABLE");
  EXPECT_EQ(v1_model_state(false, false), "LOADING");   // loading or warming up
  EXPECT_EQ(v1_model_state(false, true), "UNLOADING");  // draining
}

TEST(V1Codec, EncodesStatusAndMetadata) {
  std::string status;
  encode_v1_model_status(test::make_model(), "AVAILABLE", status);
  EXPECT_EQ(status, R"({"model_version_status":[{"version":"1","state":"AVAILABLE",)"
                    R"("status":{"error_code":"OK","error_message":""}}]})");
  std::string metadata;
  encode_v1_model_metadata(test::make_model(), metadata);
  EXPECT_EQ(metadata,
            R"({"model_spec":{"name":"m","signature_name":"","version":"1"},"metadata":)"
            R"({"signature_def":{"signature_def":{"serving_default":{"inputs":{"features":)"
            R"({"dtype":"DT_FLOAT","tensor_shape":{"dim":[{"size":"-1","name":""},)"
            R"({"size":"3","name":""}],"unknown_rank":false},"name":"features"}},"outputs":)"
            R"({"score":{"dtype":"DT_FLOAT","tensor_shape":{"dim":[{"size":"-1","name":""},)"
            R"({"size":"1","name":""}],"unknown_rank":false},"name":"score"}},)"
            R"("method_name":"tensorflow/serving/predict"}}}}})");
}

}  // namespace
}  // namespace hone::serve
