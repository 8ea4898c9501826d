#include "support/jwt_signer.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <vector>

#include "core/base64.h"

namespace hone::test {

struct JwtSigner::Impl {
  std::string alg;
  std::string secret;
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

namespace {

std::string bn_bytes(const EVP_PKEY* key, const char* name) {
  BIGNUM* number = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &number) != 1) throw std::runtime_error("no key parameter");
  std::string out(static_cast<std::size_t>(BN_num_bytes(number)), '\0');
  BN_bn2bin(number, reinterpret_cast<unsigned char*>(out.data()));
  BN_free(number);
  return out;
}

// DER ECDSA-Sig-Value -> R || S, 32 bytes each (RFC 7518 section 3.4).
std::string raw_ecdsa(const std::string& der) {
  const auto* data = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &data, static_cast<long>(der.size()));
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(out.data() + 32), 32);
  ECDSA_SIG_free(sig);
  return out;
}

}  // namespace

JwtSigner::JwtSigner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
JwtSigner::~JwtSigner() = default;
JwtSigner::JwtSigner(JwtSigner&&) noexcept = default;
JwtSigner& JwtSigner::operator=(JwtSigner&&) noexcept = default;

JwtSigner JwtSigner::hs256(std::string secret) {
  auto impl = std::make_unique<Impl>();
  impl->alg = "HS256";
  impl->secret = std::move(secret);
  return JwtSigner(std::move(impl));
}

JwtSigner JwtSigner::rs256() {
  auto impl = std::make_unique<Impl>();
  impl->alg = "RS256";
  impl->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
  return JwtSigner(std::move(impl));
}

JwtSigner JwtSigner::es256() {
  auto impl = std::make_unique<Impl>();
  impl->alg = "ES256";
  impl->key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  return JwtSigner(std::move(impl));
}

std::string JwtSigner::sign(const std::string& claims, const std::string& kid,
                            const std::string& alg) const {
  std::string header = R"({"alg":")" + (alg.empty() ? impl_->alg : alg) + R"(","typ":"JWT")";
  if (!kid.empty()) header += R"(,"kid":")" + kid + "\"";
  header += "}";
  const std::string input = base64url_encode(header) + "." + base64url_encode(claims);
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  std::string signature;
  if (impl_->key == nullptr) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), impl_->secret.data(), static_cast<int>(impl_->secret.size()), data,
         input.size(), mac, &length);
    signature.assign(reinterpret_cast<char*>(mac), length);
  } else {
    EVP_MD_CTX* context = EVP_MD_CTX_new();
    std::size_t length = 0;
    EVP_DigestSignInit(context, nullptr, EVP_sha256(), nullptr, impl_->key);
    EVP_DigestSign(context, nullptr, &length, data, input.size());
    signature.resize(length);
    EVP_DigestSign(context, reinterpret_cast<unsigned char*>(signature.data()), &length, data,
                   input.size());
    signature.resize(length);
    EVP_MD_CTX_free(context);
    if (impl_->alg == "ES256") signature = raw_ecdsa(signature);
  }
  return input + "." + base64url_encode(signature);
}

std::string JwtSigner::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, impl_->key);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(length));
  BIO_free(bio);
  return out;
}

std::string JwtSigner::jwk(const std::string& kid) const {
  const std::string id = kid.empty() ? "" : R"(,"kid":")" + kid + "\"";
  if (impl_->key == nullptr) {
    return R"({"kty":"oct","k":")" + base64url_encode(impl_->secret) + "\"" + id + "}";
  }
  if (impl_->alg == "RS256") {
    return R"({"kty":"RSA","n":")" + base64url_encode(bn_bytes(impl_->key, OSSL_PKEY_PARAM_RSA_N)) +
           R"(","e":")" + base64url_encode(bn_bytes(impl_->key, OSSL_PKEY_PARAM_RSA_E)) + "\"" +
           id + "}";
  }
  std::vector<unsigned char> point(65);
  std::size_t length = 0;
  EVP_PKEY_get_octet_string_param(impl_->key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(),
                                  &length);
  const std::string bytes(reinterpret_cast<const char*>(point.data()), length);
  return R"({"kty":"EC","crv":"P-256","x":")" + base64url_encode(bytes.substr(1, 32)) +
         R"(","y":")" + base64url_encode(bytes.substr(33, 32)) + "\"" + id + "}";
}

}  // namespace hone::test
