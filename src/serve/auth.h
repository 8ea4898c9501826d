// Credentials for predictions: the one place that decides whether a request may call a model.
//
// A request presents `X-API-Key: KEY` (checked against --api-keys) or `Authorization: Bearer X`,
// where X is a JWT (three base64url parts; checked by the JWT verifier when one is configured)
// or else an API key. Without credentials: 401 with WWW-Authenticate. A model whose config says
// `auth: none` is open to all; with `auth: required` the server refuses to start without
// credentials configured. With auth on, a request whose Origin is not the server's own (a web
// page's "simple" cross-origin POST, which browsers send without a preflight) is refused with 403.
// Neither credentials nor claims are logged or echoed.
#pragma once

#include <chrono>
#include <memory>
#include <string_view>

#include "http/message.h"
#include "model/model_config.h"
#include "serve/api_keys.h"
#include "serve/auth_verdict.h"
#include "serve/jwt_verifier.h"

namespace hone::serve {

class Authenticator {
 public:
  // Either may be null, not both.
  Authenticator(std::unique_ptr<ApiKeys> keys, std::unique_ptr<JwtVerifier> jwt);

  // Whether `request` may call the model or json upstream configured by `config`.
  AuthVerdict check(const http::Request& request, const model::ModelConfig& config,
                    std::chrono::system_clock::time_point now = std::chrono::system_clock::now());
  // The answer for a refusal: WWW-Authenticate on 401 (RFC 6750), Retry-After on 429.
  static http::Response refusal(const AuthVerdict& verdict);

 private:
  std::unique_ptr<ApiKeys> keys_;
  std::unique_ptr<JwtVerifier> jwt_;
};

}  // namespace hone::serve
