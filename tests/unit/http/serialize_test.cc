#include "http/serialize.h"

#include <gtest/gtest.h>

namespace hone::http {
namespace {

TEST(Serialize, WritesStatusHeadersAndBody) {
  Response response;
  response.body = R"({"ok":true})";
  response.headers.push_back({"X-Test", "1"});
  std::string out;
  serialize_response(response, {}, out);
  EXPECT_EQ(out.rfind("HTTP/1.1 200 OK\r\n", 0), 0U);
  EXPECT_NE(out.find("\r\nContent-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nX-Test: 1\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nContent-Length: 11\r\n"), std::string::npos);
  EXPECT_NE(out.find("\r\nDate: "), std::string::npos);
  EXPECT_EQ(out.find("Connection:"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 11), R"({"ok":true})");
}

TEST(Serialize, HeadKeepsLengthButDropsBody) {
  Response response;
  response.body = "12345";
  std::string out;
  WireOptions options;
  options.head_only = true;
  options.close = true;
  serialize_response(response, options, out);
  EXPECT_NE(out.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(Serialize, NoBodyFor204) {
  Response response;
  response.status = 204;
  response.body = "ignored";
  std::string out;
  serialize_response(response, {}, out);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(Serialize, ErrorResponseIsJson) {
  const Response response = error_response(404, "no \"such\" model");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.body, R"({"error":"no \"such\" model"})");
}

TEST(Message, BearerTokenTakesTheSchemeInAnyCase) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer abc"), "abc");
  EXPECT_EQ(bearer_token("BEARER   abc  "), "abc");
  EXPECT_EQ(bearer_token("Bearer\tabc"), "abc");
  EXPECT_EQ(bearer_token("Basic abc"), "");
  EXPECT_EQ(bearer_token("Bearerabc"), "");
  EXPECT_EQ(bearer_token("Bearer "), "");
  EXPECT_EQ(bearer_token(""), "");
}

}  // namespace
}  // namespace hone::http
