// Bearer JWTs against an HS256 secret, with an issuer, an audience and a models claim to check.
// An input with a newline is "HEADER\nCLAIMS", signed here with the secret, so that the claims'
// checks are reached; any other input is a token as sent. Either way the verdict is 200, or a
// 401 or 403 with a message; a raw token (the fuzzer cannot sign) is never accepted.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/base64.h"
#include "fuzz_input.h"
#include "serve/jwt_verifier.h"

namespace {

const std::string kSecret = "a-fuzzing-secret-of-at-least-32-bytes";

std::unique_ptr<hone::serve::JwtVerifier> make_verifier() {
  hone::serve::JwtSettings settings;
  settings.secret_file = hone::fuzz::write_scratch(
      "jwt-secret", reinterpret_cast<const std::uint8_t*>(kSecret.data()), kSecret.size());
  settings.audience = "hone";
  settings.issuer = "fuzz";
  settings.models_claim = "models";
  return std::move(hone::serve::JwtVerifier::load(settings).value());
}

std::string signed_token(const std::string& header, const std::string& claims) {
  const std::string input = hone::base64url_encode(header) + "." + hone::base64url_encode(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &length);
  return input + "." +
         hone::base64url_encode(std::string(reinterpret_cast<const char*>(mac), length));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto verifier = make_verifier();
  const std::string input = hone::fuzz::text_of(data, size);
  const auto newline = input.find('\n');
  const bool signs = newline != std::string::npos;
  const std::string token =
      signs ? signed_token(input.substr(0, newline), input.substr(newline + 1)) : input;
  const auto verdict = verifier->verify(token, "m", 1'800'000'000);
  if (verdict.status == 200) {
    if (!signs) std::abort();
    return 0;
  }
  if ((verdict.status != 401 && verdict.status != 403) || verdict.message.empty()) std::abort();
  return 0;
}
