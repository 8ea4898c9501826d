// Signing JSON Web Tokens for tests of the server's checks: an HS256 secret, or a freshly
// generated RSA-2048 (RS256) or EC P-256 (ES256) key pair whose public half is given as PEM or
// as a JWK.
#pragma once

#include <memory>
#include <string>

namespace hone::test {

class JwtSigner {
 public:
  static JwtSigner hs256(std::string secret);
  static JwtSigner rs256();
  static JwtSigner es256();
  ~JwtSigner();
  JwtSigner(JwtSigner&&) noexcept;
  JwtSigner& operator=(JwtSigner&&) noexcept;

  // header.payload.signature for `claims` (a JSON object), with `kid` in the header when given;
  // `alg` overrides the header's algorithm name (the signature stays this signer's).
  std::string sign(const std::string& claims, const std::string& kid = "",
                   const std::string& alg = "") const;
  std::string public_pem() const;                 // -----BEGIN PUBLIC KEY-----
  std::string jwk(const std::string& kid) const;  // the public key as a JWK JSON object

 private:
  struct Impl;
  explicit JwtSigner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hone::test
