#include "serve/json_input.h"

#include <gtest/gtest.h>

#include <cmath>

namespace hone::serve {
namespace {

TEST(JsonInput, DepthIsBounded) {
  JsonLimits limits;
  limits.max_depth = 8;
  std::string shallow = "[[[[1]]]]";
  EXPECT_TRUE(parse_json_body(shallow, limits));
  std::string deep = std::string(20, '[') + "1" + std::string(20, ']');
  auto parsed = parse_json_body(deep, limits);
  ASSERT_FALSE(parsed);
  EXPECT_EQ(parsed.error().code, 400);
  EXPECT_NE(parsed.error().message.find("deeper than 8"), std::string::npos);
}

TEST(JsonInput, FlattenRecordsDimensions) {
  std::string body = "[[[1,2],[3,4]],[[5,6],[7,8]]]";
  auto parsed = parse_json_body(body, JsonLimits{}).value();
  std::vector<float> out;
  std::vector<std::size_t> dims;
  ASSERT_TRUE(flatten_array(parsed.get_array().value(), out, dims));
  EXPECT_EQ(dims, (std::vector<std::size_t>{2, 2, 2}));
  EXPECT_EQ(out.size(), 8U);
  EXPECT_EQ(out[7], 8.0F);
}

TEST(JsonInput, FlattenRejectsMixedDepths) {
  std::string body = "[[1,2],[[3],[4]]]";
  auto parsed = parse_json_body(body, JsonLimits{}).value();
  std::vector<float> out;
  std::vector<std::size_t> dims;
  EXPECT_FALSE(flatten_array(parsed.get_array().value(), out, dims));
}

TEST(JsonInput, FeatureValues) {
  std::string body = R"([1, -2.5, null, 18446744073709551615, true])";
  auto parsed = parse_json_body(body, JsonLimits{}).value();
  auto array = parsed.get_array().value();
  auto it = array.begin();
  EXPECT_EQ(to_feature_value(*it).value(), 1.0F);
  ++it;
  EXPECT_EQ(to_feature_value(*it).value(), -2.5F);
  ++it;
  EXPECT_TRUE(std::isnan(to_feature_value(*it).value()));
  ++it;
  EXPECT_TRUE(to_feature_value(*it));
  ++it;
  EXPECT_FALSE(to_feature_value(*it));
}

}  // namespace
}  // namespace hone::serve
