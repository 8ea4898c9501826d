// HS256 JSON Web Tokens for load tests of APIs that want them: claims from the user, plus iat
// and exp (unless the claims set them), signed with HMAC-SHA256 (OpenSSL).
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace hone::load {

struct JwtSettings {
  std::string secret;
  std::string claims_json = R"({"sub":"hone-load"})";  // a JSON object
  std::int64_t expiry_s = 3600;
};

// Checks the claims once, so that minting cannot fail later.
Status validate_jwt(const JwtSettings& settings);
std::string mint_jwt(const JwtSettings& settings, std::int64_t now_unix_s);

}  // namespace hone::load
