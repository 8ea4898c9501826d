// JSON Web Tokens (RFC 7519) as prediction credentials: `Authorization: Bearer TOKEN`.
//
// Keys: an HS256 secret (a file), a PEM public key (RSA for RS256, EC P-256 for ES256), or a JSON
// Web Key Set file (RFC 7517: RSA, EC P-256 and oct keys, chosen by the token's `kid`). A token's
// `alg` must be the one its key is for, so an HS256 token is never checked against a public key
// (and `none` is never accepted). Claims: `exp` is required; `exp` and `nbf` are checked with a
// leeway for clock skew; `iss` and `aud` when configured; and, with a models claim configured,
// the claim (a list, or a space-separated string) must name the model called, else 403. A token
// whose signature verified is remembered (by its digest), so it is verified once, not per request.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "serve/auth_verdict.h"

namespace hone::serve {

struct JwtSettings {
  std::string secret_file;      // HS256: the shared secret, the file's content without its newline
  std::string public_key_file;  // RS256 or ES256: a PEM public key
  std::string jwks_file;        // a JSON Web Key Set
  std::string audience;         // when set, `aud` must hold it
  std::string issuer;           // when set, `iss` must equal it
  std::string models_claim;     // when set, the claim naming the models a token may call
  std::int64_t leeway_s = 60;   // clock skew allowed on exp and nbf
  bool configured() const {
    return !secret_file.empty() || !public_key_file.empty() || !jwks_file.empty();
  }
};

class JwtVerifier {
 public:
  static Result<std::unique_ptr<JwtVerifier>> load(const JwtSettings& settings);
  ~JwtVerifier();
  JwtVerifier(const JwtVerifier&) = delete;
  JwtVerifier& operator=(const JwtVerifier&) = delete;

  // 200 when `token` is signed by one of the keys, is valid at `now_unix_s` and may call `model`.
  AuthVerdict verify(std::string_view token, std::string_view model, std::int64_t now_unix_s) const;
  std::size_t keys() const { return keys_.size(); }
  std::size_t tokens_remembered() const;

  struct Key;

 private:
  JwtVerifier() = default;
  bool signature_known(const std::array<unsigned char, 32>& digest) const;
  void remember_signature(const std::array<unsigned char, 32>& digest) const;

  JwtSettings settings_;
  std::vector<std::unique_ptr<Key>> keys_;
  // SHA-256 digests of tokens whose signature verified: a client sends the same token with each
  // request for its lifetime, so the public-key check (50-150 us for RS256 and ES256) is paid
  // once per token; the claims are still checked on every request. At most kRemembered; then
  // forgotten all at once.
  static constexpr std::size_t kRemembered = 4096;
  mutable std::mutex remembered_mutex_;
  mutable std::set<std::array<unsigned char, 32>> remembered_;
};

}  // namespace hone::serve
