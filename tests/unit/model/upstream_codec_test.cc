// The bodies sent to and read from upstream model servers (see upstream_codec.h).
#include "model/upstream/upstream_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace hone::model {
namespace {

TEST(UpstreamCodec, EncodesV2AndV1WithMissingValuesAsNull) {
  const std::vector<float> rows = {1, 2.5F, NAN, 4};
  std::string body;
  encode_upstream_request(UpstreamProtocol::kV2, "x", rows, 2, 2, body);
  EXPECT_EQ(body,
            R"({"inputs":[{"name":"x","datatype":"FP32","shape":[2,2],"data":[1,2.5,null,4]}]})");
  encode_upstream_request(UpstreamProtocol::kV1, "x", rows, 2, 2, body);
  EXPECT_EQ(body, R"({"instances":[[1,2.5],[null,4]]})");
}

TEST(UpstreamCodec, ReadsFlatOrNestedValues) {
  std::vector<float> out(4);
  std::string v2 = R"({"outputs":[{"name":"y","data":[[1,2],[3,4]]}]})";
  ASSERT_TRUE(decode_upstream_response(UpstreamProtocol::kV2, v2, 2, out));
  EXPECT_EQ(out, (std::vector<float>{1, 2, 3, 4}));
  std::string v1 = R"({"predictions":[[5,6],[7,8]]})";
  ASSERT_TRUE(decode_upstream_response(UpstreamProtocol::kV1, v1, 2, out));
  EXPECT_EQ(out, (std::vector<float>{5, 6, 7, 8}));
  std::vector<float> one(2);
  std::string scalars = R"({"predictions":[0.25,0.5]})";
  ASSERT_TRUE(decode_upstream_response(UpstreamProtocol::kV1, scalars, 2, one));
  EXPECT_EQ(one, (std::vector<float>{0.25F, 0.5F}));
}

TEST(UpstreamCodec, AnAnswerItCannotReadIs502) {
  std::vector<float> out(2);
  for (std::string body : {std::string("not json"), std::string(R"({"outputs":[]})"),
                           std::string(R"({"outputs":[{"data":[1,2,3]}]})"),
                           std::string(R"({"outputs":[{"data":[1,"a"]}]})")}) {
    const auto read = decode_upstream_response(UpstreamProtocol::kV2, body, 2, out);
    ASSERT_FALSE(read) << body;
    EXPECT_EQ(read.error().code, 502) << body;
  }
  std::string short_answer = R"({"predictions":[1]})";
  const auto read = decode_upstream_response(UpstreamProtocol::kV1, short_answer, 2, out);
  ASSERT_FALSE(read);
  EXPECT_NE(read.error().message.find("1 values for 2 rows; expected 2"), std::string::npos)
      << read.error().message;
}

TEST(UpstreamCodec, ErrorMessagesFromTheUpstreamsBody) {
  std::string kserve = R"({"error":"bad shape"})";
  EXPECT_EQ(upstream_error_message(kserve), "bad shape");
  std::string fastapi = R"({"detail":[{"loc":["body"],"msg":"field required"}]})";
  EXPECT_EQ(upstream_error_message(fastapi), R"([{"loc":["body"],"msg":"field required"}])");
  std::string text = "Internal Server Error";
  EXPECT_EQ(upstream_error_message(text), "Internal Server Error");
  EXPECT_FALSE(parse_upstream_protocol("json"));
}

}  // namespace
}  // namespace hone::model
