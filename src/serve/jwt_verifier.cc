#include "serve/jwt_verifier.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <simdjson.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/base64.h"
#include "core/strings.h"

namespace hone::serve {

enum class JwtAlgorithm { hs256, rs256, es256 };

struct JwtVerifier::Key {
  std::string kid;  // empty: any token without a kid, or whose kid no key has
  JwtAlgorithm algorithm = JwtAlgorithm::hs256;
  std::string secret;              // hs256
  EVP_PKEY* public_key = nullptr;  // rs256, es256
  ~Key() { EVP_PKEY_free(public_key); }
};

namespace {

using Key = JwtVerifier::Key;

std::optional<JwtAlgorithm> algorithm_named(std::string_view name) {
  if (name == "HS256") return JwtAlgorithm::hs256;
  if (name == "RS256") return JwtAlgorithm::rs256;
  if (name == "ES256") return JwtAlgorithm::es256;
  return std::nullopt;
}

Result<std::string> read_file(const std::string& path, const char* what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail("cannot read the " + std::string(what) + " " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// RS256 keys of at least 2048 bits (RFC 7518 section 3.3), ES256 keys on P-256.
Result<JwtAlgorithm> algorithm_of(EVP_PKEY* key) {
  if (EVP_PKEY_is_a(key, "RSA")) {
    if (EVP_PKEY_get_bits(key) < 2048) return fail("an RS256 key needs at least 2048 bits");
    return JwtAlgorithm::rs256;
  }
  if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof group,
                                       &length) != 1 ||
        std::string_view(group) != "prime256v1") {
      return fail("an EC key must be on the P-256 curve (ES256)");
    }
    return JwtAlgorithm::es256;
  }
  return fail("the key is neither RSA (RS256) nor EC P-256 (ES256)");
}

Result<std::unique_ptr<Key>> pem_key(const std::string& path) {
  auto text = read_file(path, "JWT public key");
  if (!text) return text.error();
  BIO* bio = BIO_new_mem_buf(text->data(), static_cast<int>(text->size()));
  EVP_PKEY* public_key = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (public_key == nullptr) {
    return fail(path + ": not a PEM public key (-----BEGIN PUBLIC KEY-----)");
  }
  auto key = std::make_unique<Key>();
  key->public_key = public_key;
  auto algorithm = algorithm_of(public_key);
  if (!algorithm) return fail(path + ": " + algorithm.error().message);
  key->algorithm = *algorithm;
  return key;
}

// A public key made from OpenSSL parameters, for the JWK's type ("RSA" or "EC").
EVP_PKEY* key_from(const char* type, OSSL_PARAM_BLD* build) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* context = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  if (params != nullptr && context != nullptr && EVP_PKEY_fromdata_init(context) == 1 &&
      EVP_PKEY_fromdata(context, &key, EVP_PKEY_PUBLIC_KEY, params) != 1) {
    key = nullptr;
  }
  EVP_PKEY_CTX_free(context);
  OSSL_PARAM_free(params);
  if (key == nullptr) return nullptr;
  EVP_PKEY_CTX* check = EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr);
  const bool valid = check != nullptr && EVP_PKEY_public_check(check) == 1;
  EVP_PKEY_CTX_free(check);
  if (!valid) {
    EVP_PKEY_free(key);
    return nullptr;
  }
  return key;
}

// A base64url member of a JWK, decoded; empty when absent or not base64url.
std::string member_bytes(simdjson::dom::object jwk, const char* name) {
  std::string_view text;
  if (jwk[name].get_string().get(text) != simdjson::SUCCESS) return {};
  return base64url_decode(text).value_or("");
}

Result<std::unique_ptr<Key>> jwk_key(simdjson::dom::object jwk) {
  std::string_view type;
  if (jwk["kty"].get_string().get(type) != simdjson::SUCCESS) return fail("a key has no kty");
  std::string_view use;
  if (jwk["use"].get_string().get(use) == simdjson::SUCCESS && use != "sig") {
    return fail("a key's use is '" + std::string(use) + "', not sig");
  }
  auto key = std::make_unique<Key>();
  std::string_view kid;
  if (jwk["kid"].get_string().get(kid) == simdjson::SUCCESS) key->kid = kid;
  if (type == "oct") {
    key->secret = member_bytes(jwk, "k");
    if (key->secret.empty()) return fail("an oct key needs k (base64url)");
    key->algorithm = JwtAlgorithm::hs256;
  } else if (type == "RSA") {
    const std::string n = member_bytes(jwk, "n");
    const std::string e = member_bytes(jwk, "e");
    if (n.empty() || e.empty()) return fail("an RSA key needs n and e (base64url)");
    BIGNUM* modulus = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()),
                                static_cast<int>(n.size()), nullptr);
    BIGNUM* exponent = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()),
                                 static_cast<int>(e.size()), nullptr);
    OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, modulus);
    OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, exponent);
    key->public_key = key_from("RSA", build);
    OSSL_PARAM_BLD_free(build);
    BN_free(modulus);
    BN_free(exponent);
  } else if (type == "EC") {
    std::string_view curve;
    if (jwk["crv"].get_string().get(curve) != simdjson::SUCCESS || curve != "P-256") {
      return fail("an EC key must have crv P-256 (ES256)");
    }
    const std::string x = member_bytes(jwk, "x");
    const std::string y = member_bytes(jwk, "y");
    if (x.size() != 32 || y.size() != 32) return fail("an EC P-256 key needs x and y of 32 bytes");
    const std::string point = "\x04" + x + y;
    OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
    OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
    OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size());
    key->public_key = key_from("EC", build);
    OSSL_PARAM_BLD_free(build);
  } else {
    return fail("key type '" + std::string(type) + "' is not supported (RSA, EC or oct)");
  }
  if (type != "oct") {
    if (key->public_key == nullptr) return fail("a " + std::string(type) + " key is not valid");
    auto algorithm = algorithm_of(key->public_key);
    if (!algorithm) return algorithm.error();
    key->algorithm = *algorithm;
  }
  std::string_view alg;
  if (jwk["alg"].get_string().get(alg) == simdjson::SUCCESS) {
    const auto named = algorithm_named(alg);
    if (!named || *named != key->algorithm) {
      return fail("a key's alg '" + std::string(alg) + "' does not fit its type");
    }
  }
  return key;
}

Status add_jwks(const std::string& path, std::vector<std::unique_ptr<Key>>& keys) {
  auto text = read_file(path, "JWKS file");
  if (!text) return text.error();
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(*text)["keys"].get_array().get(list) != simdjson::SUCCESS) {
    return fail(path + ": a JWKS file is a JSON object with a \"keys\" list");
  }
  std::size_t index = 0;
  for (const auto item : list) {
    simdjson::dom::object jwk;
    if (item.get_object().get(jwk) != simdjson::SUCCESS) {
      return fail(path + ": key " + std::to_string(index) + " is not an object");
    }
    auto key = jwk_key(jwk);
    if (!key) return fail(path + ": key " + std::to_string(index) + ": " + key.error().message);
    keys.push_back(std::move(*key));
    ++index;
  }
  if (index == 0) return fail(path + ": the JWKS file holds no key");
  return {};
}

bool verify_signature(const Key& key, std::string_view input, std::string_view signature) {
  const auto* data = reinterpret_cast<const unsigned char*>(input.data());
  if (key.algorithm == JwtAlgorithm::hs256) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), key.secret.data(), static_cast<int>(key.secret.size()), data, input.size(),
         mac, &length);
    return signature.size() == length && CRYPTO_memcmp(mac, signature.data(), length) == 0;
  }
  std::string der;
  if (key.algorithm == JwtAlgorithm::es256) {
    // JWS carries R || S (32 bytes each); OpenSSL verifies the DER ECDSA-Sig-Value.
    if (signature.size() != 64) return false;
    const auto* raw = reinterpret_cast<const unsigned char*>(signature.data());
    ECDSA_SIG* sig = ECDSA_SIG_new();
    ECDSA_SIG_set0(sig, BN_bin2bn(raw, 32, nullptr), BN_bin2bn(raw + 32, 32, nullptr));
    unsigned char* encoded = nullptr;
    const int length = i2d_ECDSA_SIG(sig, &encoded);
    ECDSA_SIG_free(sig);
    if (length <= 0) return false;
    der.assign(reinterpret_cast<char*>(encoded), static_cast<std::size_t>(length));
    OPENSSL_free(encoded);
    signature = der;
  }
  EVP_MD_CTX* context = EVP_MD_CTX_new();
  const bool valid =
      EVP_DigestVerifyInit(context, nullptr, EVP_sha256(), nullptr, key.public_key) == 1 &&
      EVP_DigestVerify(context, reinterpret_cast<const unsigned char*>(signature.data()),
                       signature.size(), data, input.size()) == 1;
  EVP_MD_CTX_free(context);
  return valid;
}

AuthVerdict invalid(std::string message) { return {401, std::move(message), 0, true}; }

// Whether the claim (a string, or a list of strings) holds `wanted`; a string claim is a
// space-separated list when `spaced` (like OAuth scopes).
bool claim_holds(simdjson::dom::element claim, std::string_view wanted, bool spaced) {
  std::string_view text;
  if (claim.get_string().get(text) == simdjson::SUCCESS) {
    if (!spaced) return text == wanted;
    for (const auto word : split(text, ' ')) {
      if (word == wanted) return true;
    }
    return false;
  }
  simdjson::dom::array list;
  if (claim.get_array().get(list) != simdjson::SUCCESS) return false;
  for (const auto item : list) {
    if (item.get_string().get(text) == simdjson::SUCCESS && text == wanted) return true;
  }
  return false;
}

}  // namespace

JwtVerifier::~JwtVerifier() = default;

bool JwtVerifier::signature_known(const std::array<unsigned char, 32>& digest) const {
  std::lock_guard lock(remembered_mutex_);
  return remembered_.count(digest) > 0;
}

void JwtVerifier::remember_signature(const std::array<unsigned char, 32>& digest) const {
  std::lock_guard lock(remembered_mutex_);
  if (remembered_.size() >= kRemembered) remembered_.clear();
  remembered_.insert(digest);
}

std::size_t JwtVerifier::tokens_remembered() const {
  std::lock_guard lock(remembered_mutex_);
  return remembered_.size();
}

Result<std::unique_ptr<JwtVerifier>> JwtVerifier::load(const JwtSettings& settings) {
  std::unique_ptr<JwtVerifier> verifier(new JwtVerifier());
  verifier->settings_ = settings;
  if (settings.leeway_s < 0) return fail("the JWT leeway cannot be negative");
  if (!settings.secret_file.empty()) {
    auto text = read_file(settings.secret_file, "JWT secret file");
    if (!text) return text.error();
    auto key = std::make_unique<Key>();
    key->secret = std::string(trim(*text));
    if (key->secret.size() < 32) {
      return fail(settings.secret_file + ": an HS256 secret needs at least 32 bytes");
    }
    verifier->keys_.push_back(std::move(key));
  }
  if (!settings.public_key_file.empty()) {
    auto key = pem_key(settings.public_key_file);
    if (!key) return key.error();
    verifier->keys_.push_back(std::move(*key));
  }
  if (!settings.jwks_file.empty()) {
    if (auto added = add_jwks(settings.jwks_file, verifier->keys_); !added) return added.error();
  }
  if (verifier->keys_.empty()) return fail("JWT checks need a secret, a public key or a JWKS file");
  return verifier;
}

AuthVerdict JwtVerifier::verify(std::string_view token, std::string_view model,
                                std::int64_t now) const {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) {
    return invalid("the bearer token is not a JWT (header.payload.signature)");
  }
  const auto header = base64url_decode(token.substr(0, first));
  const auto payload = base64url_decode(token.substr(first + 1, second - first - 1));
  const auto signature = base64url_decode(token.substr(second + 1));
  if (!header || !payload || !signature) return invalid("the JWT is not base64url");

  thread_local simdjson::dom::parser parser;
  simdjson::dom::object fields;
  if (parser.parse(*header).get_object().get(fields) != simdjson::SUCCESS) {
    return invalid("the JWT header is not a JSON object");
  }
  std::string_view alg_name;
  const auto algorithm = fields["alg"].get_string().get(alg_name) == simdjson::SUCCESS
                             ? algorithm_named(alg_name)
                             : std::nullopt;
  if (!algorithm) return invalid("the JWT's alg must be HS256, RS256 or ES256");
  if (fields["crit"].error() == simdjson::SUCCESS) {
    return invalid("the JWT names critical extensions this server does not know");
  }
  std::string_view kid;
  const bool has_kid = fields["kid"].get_string().get(kid) == simdjson::SUCCESS;
  const bool kid_known = has_kid && std::any_of(keys_.begin(), keys_.end(),
                                                [&](const auto& key) { return key->kid == kid; });
  std::array<unsigned char, 32> digest{};
  unsigned int digest_size = 0;
  EVP_Digest(token.data(), token.size(), digest.data(), &digest_size, EVP_sha256(), nullptr);
  bool tried = signature_known(digest);
  bool signed_ok = tried;
  for (const auto& key : keys_) {
    if (signed_ok) break;
    if (key->algorithm != *algorithm) continue;
    if (kid_known ? key->kid != kid : !key->kid.empty() && has_kid) continue;
    tried = true;
    if (verify_signature(*key, token.substr(0, second), *signature)) {
      signed_ok = true;
      break;
    }
  }
  if (!tried) return invalid("no configured key verifies this JWT's alg and kid");
  if (!signed_ok) return invalid("the JWT's signature is not valid");
  remember_signature(digest);

  if (parser.parse(*payload).get_object().get(fields) != simdjson::SUCCESS) {
    return invalid("the JWT payload is not a JSON object");
  }
  const auto time_claim = [&](const char* name) -> std::optional<std::int64_t> {
    double seconds = 0;
    if (fields[name].get_double().get(seconds) != simdjson::SUCCESS) return std::nullopt;
    constexpr double kLimit = 1e15;  // 31 million years: past it, the claim means "never"
    return static_cast<std::int64_t>(std::clamp(seconds, -kLimit, kLimit));
  };
  const auto expires = time_claim("exp");
  if (!expires) return invalid("the JWT has no exp (expiry) claim");
  if (now > *expires + settings_.leeway_s) return invalid("the JWT has expired");
  if (const auto not_before = time_claim("nbf");
      not_before && now + settings_.leeway_s < *not_before) {
    return invalid("the JWT is not valid yet (nbf)");
  }
  if (!settings_.issuer.empty()) {
    std::string_view issuer;
    if (fields["iss"].get_string().get(issuer) != simdjson::SUCCESS || issuer != settings_.issuer) {
      return invalid("the JWT's issuer is not the one this server trusts");
    }
  }
  if (!settings_.audience.empty()) {
    simdjson::dom::element audience;
    if (fields["aud"].get(audience) != simdjson::SUCCESS ||
        !claim_holds(audience, settings_.audience, false)) {
      return invalid("the JWT is not meant for this server (aud)");
    }
  }
  if (!settings_.models_claim.empty()) {
    simdjson::dom::element allowed;
    if (fields[settings_.models_claim].get(allowed) != simdjson::SUCCESS ||
        !claim_holds(allowed, model, true)) {
      return {403, "this token may not call model '" + std::string(model) + "'", 0, false};
    }
  }
  return {};
}

}  // namespace hone::serve
