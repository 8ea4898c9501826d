#include "serve/auth.h"

#include <gtest/gtest.h>

#include "support/jwt_signer.h"
#include "support/temp_dir.h"

namespace hone::serve {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

http::Request with(const Headers& headers) {
  http::Request request;
  for (const auto& [name, value] : headers) request.headers.push_back({name, value});
  return request;
}

model::ModelConfig model_named(const std::string& name,
                               model::AuthPolicy policy = model::AuthPolicy::inherit) {
  model::ModelConfig config;
  config.name = name;
  config.auth = policy;
  return config;
}

const std::string kSecret = "an-hs256-secret-of-at-least-32-bytes";

struct Both {
  Both() {
    auto keys = ApiKeys::load(dir.write("keys", "alpha-key\nbeta-key models=fraud\n"), {});
    JwtSettings settings;
    settings.secret_file = dir.write("secret", kSecret);
    auto jwt = JwtVerifier::load(settings);
    EXPECT_TRUE(keys && jwt);
    auth = std::make_unique<Authenticator>(std::move(*keys), std::move(*jwt));
  }
  int status(const Headers& headers, const std::string& model = "m") {
    return auth->check(with(headers), model_named(model)).status;
  }
  test::TempDir dir;
  std::unique_ptr<Authenticator> auth;
};

TEST(Authenticator, AKeyIsPresentedAsBearerOrXApiKey) {
  Both both;
  EXPECT_EQ(both.status({{"Authorization", "Bearer alpha-key"}}), 200);
  EXPECT_EQ(both.status({{"Authorization", "bearer alpha-key"}}), 200);
  EXPECT_EQ(both.status({{"X-API-Key", "alpha-key"}}), 200);
  EXPECT_EQ(both.status({{"X-API-Key", "alpha-ke"}}), 401);
  EXPECT_EQ(both.status({{"Authorization", "Basic alpha-key"}}), 401);
  EXPECT_EQ(both.status({{"X-API-Key", "beta-key"}}, "fraud"), 200);
  EXPECT_EQ(both.status({{"X-API-Key", "beta-key"}}, "m"), 403);
  const auto missing = both.auth->check(with({}), model_named("m"));
  EXPECT_EQ(missing.status, 401);
  EXPECT_NE(missing.message.find("need an API key or a bearer token"), std::string::npos);
  const auto answer = Authenticator::refusal(missing);
  EXPECT_EQ(answer.status, 401);
  EXPECT_EQ(find_header(answer.headers, "WWW-Authenticate"), R"(Bearer realm="hone")");
}

TEST(Authenticator, AJwtGoesToTheVerifierAndAKeyToTheKeys) {
  Both both;
  const auto signer = test::JwtSigner::hs256(kSecret);
  const std::string token = signer.sign(R"({"sub":"u","exp":9999999999})");
  EXPECT_EQ(both.status({{"Authorization", "Bearer " + token}}), 200);
  const auto bad = both.auth->check(
      with({{"Authorization",
             "Bearer " + test::JwtSigner::hs256(kSecret + "!").sign(R"({"exp":9999999999})")}}),
      model_named("m"));
  EXPECT_EQ(bad.status, 401);
  EXPECT_EQ(find_header(Authenticator::refusal(bad).headers, "WWW-Authenticate"),
            R"(Bearer realm="hone", error="invalid_token")");
  // An expired token at a later time.
  const std::string old = signer.sign(R"({"exp":1000})");
  EXPECT_EQ(both.status({{"Authorization", "Bearer " + old}}), 401);
}

TEST(Authenticator, OnlyTheConfiguredKindOfCredentialIsTaken) {
  test::TempDir dir;
  JwtSettings settings;
  settings.secret_file = dir.write("secret", kSecret);
  auto verifier = JwtVerifier::load(settings);
  ASSERT_TRUE(verifier);
  Authenticator jwt_only(nullptr, std::move(*verifier));
  const auto key = jwt_only.check(with({{"X-API-Key", "alpha-key"}}), model_named("m"));
  EXPECT_EQ(key.status, 401);
  EXPECT_NE(key.message.find("not API keys"), std::string::npos);
  EXPECT_NE(jwt_only.check(with({}), model_named("m")).message.find("bearer token (Authorization"),
            std::string::npos);
  auto keys = ApiKeys::load(dir.write("keys", "a.b.c\n"), {});
  ASSERT_TRUE(keys);
  Authenticator keys_only(std::move(*keys), nullptr);
  // With no JWT verifier, a key shaped like a JWT is still a key.
  EXPECT_EQ(keys_only.check(with({{"Authorization", "Bearer a.b.c"}}), model_named("m")).status,
            200);
}

TEST(Authenticator, AModelWithAuthNoneIsOpen) {
  Both both;
  EXPECT_EQ(both.auth->check(with({}), model_named("open", model::AuthPolicy::none)).status, 200);
  EXPECT_EQ(both.auth->check(with({}), model_named("m", model::AuthPolicy::required)).status, 401);
}

TEST(Authenticator, CrossOriginRequestsAreRefused) {
  Both both;
  const Headers key = {{"X-API-Key", "alpha-key"}, {"Host", "127.0.0.1:8000"}};
  auto with_origin = [&](const std::string& origin) {
    Headers headers = key;
    headers.emplace_back("Origin", origin);
    return both.status(headers);
  };
  EXPECT_EQ(both.status(key), 200);  // no Origin: not a browser's cross-origin request
  EXPECT_EQ(with_origin("http://127.0.0.1:8000"), 200);
  EXPECT_EQ(with_origin("https://evil.example"), 403);
  EXPECT_EQ(with_origin("http://127.0.0.1:9000"), 403);
  EXPECT_EQ(with_origin("null"), 403);
}

}  // namespace
}  // namespace hone::serve
