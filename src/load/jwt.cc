#include "load/jwt.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <simdjson.h>

#include "core/base64.h"
#include "core/json_writer.h"

namespace hone::load {

Status validate_jwt(const JwtSettings& settings) {
  if (settings.secret.empty()) return fail("the JWT secret is empty");
  if (settings.expiry_s <= 0) return fail("the JWT expiry must be positive");
  simdjson::dom::parser parser;
  simdjson::dom::object claims;
  if (parser.parse(settings.claims_json).get_object().get(claims) != simdjson::SUCCESS) {
    return fail("JWT claims must be a JSON object, like '{\"sub\":\"load\"}'");
  }
  return {};
}

std::string mint_jwt(const JwtSettings& settings, std::int64_t now) {
  simdjson::dom::parser parser;
  simdjson::dom::object claims = parser.parse(settings.claims_json).get_object().value();
  std::string payload;
  JsonWriter json(payload);
  json.begin_object();
  bool has_iat = false;
  bool has_exp = false;
  for (const auto field : claims) {
    has_iat = has_iat || field.key == "iat";
    has_exp = has_exp || field.key == "exp";
    json.key(field.key).raw(simdjson::minify(field.value));
  }
  if (!has_iat) json.key("iat").value(now);
  if (!has_exp) json.key("exp").value(now + settings.expiry_s);
  json.end_object();
  const std::string signing_input =
      base64url_encode(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url_encode(payload);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), settings.secret.data(), static_cast<int>(settings.secret.size()),
       reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(), mac,
       &mac_length);
  return signing_input + "." +
         base64url_encode(std::string_view(reinterpret_cast<const char*>(mac), mac_length));
}

}  // namespace hone::load
