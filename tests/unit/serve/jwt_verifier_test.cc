#include "serve/jwt_verifier.h"

#include <gtest/gtest.h>

#include "support/jwt_signer.h"
#include "support/temp_dir.h"

namespace hone::serve {
namespace {

using test::JwtSigner;

constexpr std::int64_t kNow = 1'800'000'000;
const std::string kSecret = "an-hs256-secret-of-at-least-32-bytes";

std::string claims(const std::string& extra = "") {
  return R"({"sub":"u1","exp":)" + std::to_string(kNow + 600) + extra + "}";
}

struct Verifier {
  explicit Verifier(JwtSettings settings) {
    auto loaded = JwtVerifier::load(settings);
    EXPECT_TRUE(loaded) << (loaded ? "" : loaded.error().message);
    if (loaded) verifier = std::move(*loaded);
  }
  int status(const std::string& token, const std::string& model = "m",
             std::int64_t now = kNow) const {
    return verifier->verify(token, model, now).status;
  }
  std::unique_ptr<JwtVerifier> verifier;
};

TEST(JwtVerifier, Hs256TokensSignedWithTheSecretPass) {
  test::TempDir dir;
  JwtSettings settings;
  settings.secret_file = dir.write("secret", kSecret + "\n");
  const Verifier check(settings);
  const auto signer = JwtSigner::hs256(kSecret);
  EXPECT_EQ(check.status(signer.sign(claims())), 200);
  EXPECT_EQ(check.status(JwtSigner::hs256(kSecret + "x").sign(claims())), 401);
  std::string tampered = signer.sign(claims());
  tampered[tampered.find('.') + 3] ^= 1;  // the payload changed after signing
  EXPECT_EQ(check.status(tampered), 401);
  const auto verdict = check.verifier->verify(tampered, "m", kNow);
  EXPECT_TRUE(verdict.invalid_token);
  EXPECT_EQ(verdict.message.find("u1"), std::string::npos);  // claims are never echoed
}

// A token whose signature verified is remembered, so the next request with it skips the
// public-key check; its claims are still checked each time, and a bad token is never remembered.
TEST(JwtVerifier, AVerifiedTokenIsRememberedButItsClaimsAreCheckedEachTime) {
  test::TempDir dir;
  const auto signer = JwtSigner::es256();
  JwtSettings settings;
  settings.public_key_file = dir.write("key.pem", signer.public_pem());
  settings.models_claim = "models";
  const Verifier check(settings);
  const std::string token = signer.sign(claims(R"(,"models":["m"])"));
  EXPECT_EQ(check.verifier->tokens_remembered(), 0U);
  EXPECT_EQ(check.status(token), 200);
  EXPECT_EQ(check.verifier->tokens_remembered(), 1U);
  EXPECT_EQ(check.status(token), 200);
  EXPECT_EQ(check.status(token, "other"), 403);           // the models claim, each time
  EXPECT_EQ(check.status(token, "m", kNow + 3600), 401);  // expired since: refused
  EXPECT_EQ(check.verifier->tokens_remembered(), 1U);
  EXPECT_EQ(check.status(JwtSigner::es256().sign(claims())), 401);  // another key's
  EXPECT_EQ(check.verifier->tokens_remembered(), 1U);
}

TEST(JwtVerifier, MalformedTokensAndForeignAlgorithmsAreRefused) {
  test::TempDir dir;
  JwtSettings settings;
  settings.secret_file = dir.write("secret", kSecret);
  const Verifier check(settings);
  const auto signer = JwtSigner::hs256(kSecret);
  const std::string good = signer.sign(claims());
  for (const std::string& bad :
       {std::string("abc"), std::string("a.b"), good + ".x", std::string(".."),
        good.substr(0, good.rfind('.')) + ".", good.substr(0, good.rfind('.')) + ".!!",
        signer.sign(claims(), "", "none"), signer.sign(claims(), "", "HS512"), signer.sign("[1]"),
        signer.sign("not json")}) {
    EXPECT_EQ(check.status(bad), 401) << bad;
  }
  // Unsigned ("alg":"none") with an empty signature.
  const std::string none = good.substr(0, good.find('.')) + "." +
                           good.substr(good.find('.') + 1, good.rfind('.') - good.find('.'));
  EXPECT_EQ(check.status(none), 401);
}

TEST(JwtVerifier, ExpiryNotBeforeIssuerAndAudienceAreChecked) {
  test::TempDir dir;
  JwtSettings settings;
  settings.secret_file = dir.write("secret", kSecret);
  settings.leeway_s = 30;
  const auto signer = JwtSigner::hs256(kSecret);
  {
    const Verifier check(settings);
    EXPECT_EQ(check.status(signer.sign(R"({"sub":"u1"})")), 401);  // exp is required
    const std::string token = signer.sign(claims());
    EXPECT_EQ(check.status(token, "m", kNow + 600 + 30), 200);  // within the leeway
    EXPECT_EQ(check.status(token, "m", kNow + 600 + 31), 401);
    const std::string later = signer.sign(claims(R"(,"nbf":)" + std::to_string(kNow + 100)));
    EXPECT_EQ(check.status(later, "m", kNow), 401);
    EXPECT_EQ(check.status(later, "m", kNow + 70), 200);
    EXPECT_EQ(check.status(signer.sign(R"({"exp":1e300})")), 200);  // far future, no overflow
  }
  settings.issuer = "https://id.example";
  settings.audience = "hone";
  const Verifier check(settings);
  const std::string iss = R"(,"iss":"https://id.example")";
  EXPECT_EQ(check.status(signer.sign(claims(iss + R"(,"aud":"hone")"))), 200);
  EXPECT_EQ(check.status(signer.sign(claims(iss + R"(,"aud":["x","hone"])"))), 200);
  EXPECT_EQ(check.status(signer.sign(claims(iss + R"(,"aud":"other")"))), 401);
  EXPECT_EQ(check.status(signer.sign(claims(iss))), 401);  // no aud
  EXPECT_EQ(check.status(signer.sign(claims(R"(,"iss":"https://evil","aud":"hone")"))), 401);
  EXPECT_EQ(check.status(signer.sign(claims(R"(,"aud":"hone")"))), 401);  // no iss
}

TEST(JwtVerifier, AModelsClaimLimitsTheModelsATokenMayCall) {
  test::TempDir dir;
  JwtSettings settings;
  settings.secret_file = dir.write("secret", kSecret);
  settings.models_claim = "models";
  const Verifier check(settings);
  const auto signer = JwtSigner::hs256(kSecret);
  const std::string list = signer.sign(claims(R"(,"models":["fraud","churn"])"));
  EXPECT_EQ(check.status(list, "fraud"), 200);
  EXPECT_EQ(check.status(list, "churn"), 200);
  EXPECT_EQ(check.status(list, "other"), 403);
  const std::string spaced = signer.sign(claims(R"(,"models":"fraud churn")"));
  EXPECT_EQ(check.status(spaced, "churn"), 200);
  EXPECT_EQ(check.status(spaced, "fra"), 403);
  EXPECT_EQ(check.status(signer.sign(claims()), "fraud"), 403);  // no claim: no model
}

TEST(JwtVerifier, Rs256AndEs256TokensAreCheckedWithAPemPublicKey) {
  test::TempDir dir;
  std::vector<JwtSigner> signers;
  signers.push_back(JwtSigner::rs256());
  signers.push_back(JwtSigner::es256());
  for (const auto& signer : signers) {
    JwtSettings settings;
    settings.public_key_file = dir.write("key.pem", signer.public_pem());
    const Verifier check(settings);
    EXPECT_EQ(check.status(signer.sign(claims())), 200);
    std::string broken = signer.sign(claims());
    broken[broken.size() - 5] = broken[broken.size() - 5] == 'A' ? 'B' : 'A';
    EXPECT_EQ(check.status(broken), 401);
    // The public key's PEM text used as an HMAC secret (algorithm confusion) is refused.
    EXPECT_EQ(check.status(JwtSigner::hs256(signer.public_pem()).sign(claims())), 401);
  }
  // Another key pair's tokens do not pass.
  JwtSettings settings;
  settings.public_key_file = dir.write("key.pem", JwtSigner::es256().public_pem());
  const Verifier check(settings);
  EXPECT_EQ(check.status(JwtSigner::es256().sign(claims())), 401);
}

TEST(JwtVerifier, AJwksFileGivesKeysChosenByKid) {
  test::TempDir dir;
  const auto rsa = JwtSigner::rs256();
  const auto ec = JwtSigner::es256();
  const auto oct = JwtSigner::hs256(kSecret);
  JwtSettings settings;
  settings.jwks_file = dir.write("jwks.json", R"({"keys":[)" + rsa.jwk("r1") + "," + ec.jwk("e1") +
                                                  "," + oct.jwk("o1") + "]}");
  const Verifier check(settings);
  EXPECT_EQ(check.verifier->keys(), 3U);
  EXPECT_EQ(check.status(rsa.sign(claims(), "r1")), 200);
  EXPECT_EQ(check.status(ec.sign(claims(), "e1")), 200);
  EXPECT_EQ(check.status(oct.sign(claims(), "o1")), 200);
  EXPECT_EQ(check.status(ec.sign(claims())), 200);          // no kid: every ES256 key is tried
  EXPECT_EQ(check.status(ec.sign(claims(), "r1")), 401);    // the kid names an RSA key
  EXPECT_EQ(check.status(ec.sign(claims(), "gone")), 401);  // no key has this kid
  EXPECT_EQ(check.status(JwtSigner::es256().sign(claims(), "e1")), 401);
}

TEST(JwtVerifier, KeyMistakesStopStartUpWithTheirReason) {
  test::TempDir dir;
  const auto error_of = [](const JwtSettings& settings) {
    auto loaded = JwtVerifier::load(settings);
    return loaded ? std::string() : loaded.error().message;
  };
  JwtSettings settings;
  settings.secret_file = dir.write("short", "too-short");
  EXPECT_NE(error_of(settings).find("at least 32 bytes"), std::string::npos);
  settings.secret_file = dir.file("missing");
  EXPECT_NE(error_of(settings).find("cannot read"), std::string::npos);
  settings = {};
  settings.public_key_file = dir.write("not.pem", "hello");
  EXPECT_NE(error_of(settings).find("not a PEM public key"), std::string::npos);
  settings = {};
  const auto ec = JwtSigner::es256();
  for (const auto& [jwks, expected] : std::vector<std::pair<std::string, std::string>>{
           {"[]", "a \"keys\" list"},
           {R"({"keys":[]})", "holds no key"},
           {R"({"keys":[1]})", "key 0 is not an object"},
           {R"({"keys":[{"kty":"OKP"}]})", "not supported"},
           {R"({"keys":[{"kty":"RSA","n":"AQAB"}]})", "needs n and e"},
           {R"({"keys":[{"kty":"RSA","n":"AQAB","e":"AQAB"}]})", "not valid"},
           {R"({"keys":[{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}]})", "P-256"},
           {R"({"keys":[{"kty":"oct","k":"c2VjcmV0","use":"enc"}]})", "not sig"},
           {R"({"keys":[{"kty":"oct","k":"c2VjcmV0","alg":"RS256"}]})", "does not fit"},
           {R"({"keys":[)" + ec.jwk("").substr(0, ec.jwk("").size() - 1) + R"(,"alg":"ES256"}]})",
            ""}}) {
    settings.jwks_file = dir.write("jwks.json", jwks);
    if (expected.empty()) {
      EXPECT_EQ(error_of(settings), "") << jwks;
    } else {
      EXPECT_NE(error_of(settings).find(expected), std::string::npos)
          << jwks << " -> " << error_of(settings);
    }
  }
  // An EC point that is not on the curve.
  std::string off_curve = ec.jwk("");
  const auto y = off_curve.find(R"("y":")") + 5;
  off_curve[y + 2] = off_curve[y + 2] == 'A' ? 'B' : 'A';
  settings.jwks_file = dir.write("jwks.json", R"({"keys":[)" + off_curve + "]}");
  EXPECT_NE(error_of(settings).find("not valid"), std::string::npos) << error_of(settings);
}

}  // namespace
}  // namespace hone::serve
