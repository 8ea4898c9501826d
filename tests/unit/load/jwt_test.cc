#include "load/jwt.h"

#include <gtest/gtest.h>
#include <openssl/hmac.h>

#include "core/base64.h"
#include "core/strings.h"

namespace hone::load {
namespace {

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
