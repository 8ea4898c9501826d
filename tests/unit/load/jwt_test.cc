#include "load/jwt.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "core/strings.h"

namespace hone::load {
namespace {

std::string base64url_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '-' ? 62 : 63;
  };
  std::string out;
  int bits = 0;
  std::uint32_t buffer = 0;
  for (const char c : text) {
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

TEST(Jwt, Base64Url) {
  EXPECT_EQ(base64url("f"), "Zg");
  EXPECT_EQ(base64url("fo"), "Zm8");
  EXPECT_EQ(base64url("foo"), "Zm9v");
  EXPECT_EQ(base64url("\xfb\xff"), "-_8");
}

TEST(Jwt, SignsClaimsWithIatAndExp) {
  JwtSettings settings;
  settings.secret = "s3cret";
  settings.claims_json = R"({"sub":"tester","role":"load"})";
  settings.expiry_s = 600;
  ASSERT_TRUE(validate_jwt(settings));
  const std::string token = mint_jwt(settings, 1'700'000'000);
  const auto parts = split(token, '.');
  ASSERT_EQ(parts.size(), 3U);
  EXPECT_EQ(base64url_decode(parts[0]), R"({"alg":"HS256","typ":"JWT"})");
  EXPECT_EQ(base64url_decode(parts[1]),
            R"({"sub":"tester","role":"load","iat":1700000000,"exp":1700000600})");
  // Verify the signature independently.
  const std::string input = std::string(parts[0]) + "." + std::string(parts[1]);
  unsigned char mac[32];
  unsigned int length = 0;
  HMAC(EVP_sha256(), "s3cret", 6, reinterpret_cast<const unsigned char*>(input.data()),
       input.size(), mac, &length);
  EXPECT_EQ(base64url_decode(parts[2]), std::string(reinterpret_cast<char*>(mac), length));
}

TEST(Jwt, KeepsGivenExpiryAndRejectsBadClaims) {
  JwtSettings settings;
  settings.secret = "k";
  settings.claims_json = R"({"exp":5})";
  const auto payload = base64url_decode(split(mint_jwt(settings, 100), '.')[1]);
  EXPECT_EQ(payload, R"({"exp":5,"iat":100})");
  settings.claims_json = "[1]";
  EXPECT_FALSE(validate_jwt(settings));
  settings.claims_json = "{}";
  settings.secret = "";
  EXPECT_FALSE(validate_jwt(settings));
}

}  // namespace
}  // namespace hone::load
