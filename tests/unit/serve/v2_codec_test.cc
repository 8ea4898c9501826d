#include "serve/v2_codec.h"

#include <gtest/gtest.h>

#include <cmath>

#include "codec_fixture.h"

namespace hone::serve {
namespace {

std::string request(const std::string& shape, const std::string& data,
                    const std::string& datatype = "FP32", const std::string& name = "features") {
  return R"({"id":"r1","inputs":[{"name":")" + name + R"(","datatype":")" + datatype +
         R"(","shape":)" + shape + R"(,"data":)" + data + "}]}";
}

Result<InferRequest> decode(std::string body) {
  static const model::Model model = test::make_model();
  return decode_v2_infer(body, model, JsonLimits{});
}

TEST(V2Codec, DecodesFlatAndNestedData) {
  auto flat = decode(request("[2,3]", "[1,2,3,4,5,6]"));
  ASSERT_TRUE(flat) << flat.error().message;
  EXPECT_EQ(flat->row_count, 2U);
  EXPECT_EQ(flat->rows, (std::vector<float>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(flat->id, "r1");
  auto nested = decode(request("[2,3]", "[[1,2,3],[4,5,6]]"));
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->rows, flat->rows);
}

TEST(V2Codec, NullIsAMissingValue) {
  auto decoded = decode(request("[1,3]", "[1,null,3.5]"));
  ASSERT_TRUE(decoded);
  EXPECT_TRUE(std::isnan(decoded->rows[1]));
  EXPECT_EQ(decoded->rows[2], 3.5F);
}

struct BadRequest {
  std::string body;
  int status;
  std::string message;
};

// Names the case by what it expects, for readable test names.
void PrintTo(const BadRequest& value, std::ostream* out) { *out << value.message; }

class V2BadRequest : public ::testing::TestWithParam<BadRequest> {};

TEST_P(V2BadRequest, IsRejectedWithAClearMessage) {
  auto decoded = decode(GetParam().body);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(decoded.error().code, GetParam().status);
  EXPECT_NE(decoded.error().message.find(GetParam().message), std::string::npos)
      << decoded.error().message;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, V2BadRequest,
    ::testing::Values(
        BadRequest{"not json", 400, "invalid JSON"},
        BadRequest{"[1,2]", 400, "must be a JSON object"},
        BadRequest{R"({"id":"x"})", 400, "needs an 'inputs' array"},
        BadRequest{R"({"inputs":[]})", 400, "exactly one input"},
        BadRequest{R"({"id":5,"inputs":[]})", 400, "'id' must be a string"},
        BadRequest{request("[1,3]", "[1,2,3]", "INT64"), 400,
                   "datatype INT64 but model 'm' expects FP32"},
        BadRequest{request("[1,3]", "[1,1e300,3]", "FP64"), 400, "out of FP32 range"},
        BadRequest{request("[1,3]", "[1,2,3]", "FP32", "other"), 400, "unknown input 'other'"},
        BadRequest{request("[1,4]", "[1,2,3,4]"), 400,
                   "shape [1, 4] but model 'm' expects [-1, 3]"},
        BadRequest{request("[3]", "[1,2,3]"), 400, "expects [-1, 3]"},
        BadRequest{request("[1,-3]", "[1,2,3]"), 400, "non-negative integers"},
        BadRequest{request("[2,3]", "[1,2,3]"), 400, "has 3 values but shape [2, 3] needs 6"},
        BadRequest{request("[2,3]", "[[1,2],[3,4],[5,6]]"), 400, "nested differently"},
        BadRequest{request("[2,3]", "[[1,2,3],[4,5]]"), 400, "ragged"},
        BadRequest{request("[2,3]", "[[1,2,3],4,5,6]"), 400, "mixes numbers and arrays"},
        BadRequest{request("[1,3]", R"([1,"two",3])"), 400, "numbers or null"},
        BadRequest{request("[1,3]", "[1,1e300,3]"), 400, "out of FP32 range"},
        BadRequest{request("[0,3]", "[]"), 400, "has no rows"},
        BadRequest{request("[5,3]", "[]"), 413, "at most 4"},
        BadRequest{
            R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"data":[1,2,3]}],"outputs":[{"name":"nope"}]})",
            400, "unknown output 'nope'"},
        BadRequest{
            R"({"inputs":[{"name":"features","datatype":"FP32","shape":[1,3],"parameters":{"binary_data_size":12}}]})",
            400, "binary tensor data"},
        BadRequest{R"({"inputs":[{"name":"features","shape":[1,3],"data":[1,2,3]}]})", 400,
                   "needs a string 'datatype'"}));

TEST(V2Codec, Fp64IsRoundedToFloatAsXGBoostDoes) {
  // 0.1 and 1/3 as float64 become the nearest float32, exactly as a static_cast.
  auto decoded = decode(request("[1,3]", "[0.1,0.3333333333333333,16777217]", "FP64"));
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(decoded->rows, (std::vector<float>{static_cast<float>(0.1), static_cast<float>(1.0 / 3),
                                               16777216.0F}));
}

TEST(V2Codec, EncodesTheAnswer) {
  const auto model = test::make_model(3, 2);
  InferRequest request;
  request.row_count = 2;
  request.id = "abc";
  request.has_id = true;
  std::string out;
  encode_v2_infer(model, request, std::vector<float>{0.25F, 0.75F, 1, 0}, out);
  EXPECT_EQ(out, R"({"model_name":"m","model_version":"1","id":"abc","outputs":[{"name":"score",)"
                 R"("datatype":"FP32","shape":[2,2],"data":[0.25,0.75,1,0]}]})");
}

TEST(V2Codec, EncodesMetadata) {
  std::string out;
  encode_v2_model_metadata(test::make_model(), out);
  EXPECT_EQ(out,
            R"({"name":"m","versions":["1"],"platform":"xgboost","inputs":[{"name":"features",)"
            R"("datatype":"FP32","shape":[-1,3],"parameters":{"feature_names":["a","b","c"]}}],)"
            R"("outputs":[{"name":"score","datatype":"FP32",)"
            R"("shape":[-1,1]}]})");
}

}  // namespace
}  // namespace hone::serve
