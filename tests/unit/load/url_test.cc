#include "http/url.h"

#include <gtest/gtest.h>

namespace hone::http {
namespace {

TEST(Url, Parses) {
  auto url = parse_url("http://127.0.0.1:8000/v2/models/x/infer?a=1").value();
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8000);
  EXPECT_EQ(url.target, "/v2/models/x/infer?a=1");
  EXPECT_EQ(url.host_header(), "127.0.0.1:8000");
  auto https = parse_url("https://example.com").value();
  EXPECT_TRUE(https.tls());
  EXPECT_EQ(https.port, 443);
  EXPECT_EQ(https.target, "/");
  EXPECT_EQ(https.host_header(), "example.com");
  auto v6 = parse_url("http://[::1]:9000/x").value();
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.host_header(), "[::1]:9000");
}

TEST(Url, RejectsWhatItCannotUse) {
  EXPECT_FALSE(parse_url("localhost:8000"));
  EXPECT_FALSE(parse_url("ftp://x/"));
  EXPECT_FALSE(parse_url("http://:80/"));
  EXPECT_FALSE(parse_url("http://x:0/"));
  EXPECT_FALSE(parse_url("http://x:99999/"));
  EXPECT_FALSE(parse_url("http://x:/"));
  EXPECT_FALSE(parse_url("http://user:pw@x/"));
}

TEST(Url, ResolvesPaths) {
  const auto base = parse_url("http://h:1/api/").value();
  EXPECT_EQ(resolve_url(base, "/v2").value().target, "/v2");
  EXPECT_EQ(resolve_url(base, "items?x=1").value().target, "/api/items?x=1");
  EXPECT_EQ(resolve_url(base, "https://other/").value().host, "other");
}

}  // namespace
}  // namespace hone::http
