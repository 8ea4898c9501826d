#include "serve/auth.h"

#include <algorithm>

#include "core/strings.h"
#include "http/serialize.h"

namespace hone::serve {
namespace {

// A JWT is three base64url parts; an API key may hold dots, but not exactly two.
bool looks_like_jwt(std::string_view token) {
  return std::count(token.begin(), token.end(), '.') == 2;
}

// Whether the request's Origin (when it has one) names the server it was sent to.
bool same_origin(const http::Request& request) {
  const std::string_view origin = trim(request.header("Origin"));
  if (origin.empty()) return true;  // not sent by a browser's cross-origin request
  const auto scheme = origin.find("://");
  if (scheme == std::string_view::npos) return false;  // "null" and other opaque origins
  return iequals(origin.substr(scheme + 3), trim(request.header("Host")));
}

}  // namespace

Authenticator::Authenticator(std::unique_ptr<ApiKeys> keys, std::unique_ptr<JwtVerifier> jwt)
    : keys_(std::move(keys)), jwt_(std::move(jwt)) {}

AuthVerdict Authenticator::check(const http::Request& request, const model::ModelConfig& config,
                                 std::chrono::system_clock::time_point now) {
  if (config.auth == model::AuthPolicy::none) return {};
  if (!same_origin(request)) {
    return {403, "cross-origin requests may not call predictions on this server", 0, false};
  }
  const std::string_view name = config.name;
  const std::string_view bearer = http::bearer_token(request.header("Authorization"));
  const std::string_view api_key = trim(request.header("X-API-Key"));
  if (!bearer.empty() && jwt_ != nullptr && (keys_ == nullptr || looks_like_jwt(bearer))) {
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch());
    return jwt_->verify(bearer, name, seconds.count());
  }
  const std::string_view key = bearer.empty() ? api_key : bearer;
  if (!key.empty() && keys_ != nullptr) return keys_->check(key, name);
  if (!key.empty()) return {401, "this server takes bearer tokens (JWT), not API keys", 0, false};
  return {401,
          keys_ == nullptr ? "predictions need a bearer token (Authorization: Bearer JWT)"
          : jwt_ == nullptr
              ? "predictions need an API key (Authorization: Bearer KEY or X-API-Key: KEY)"
              : "predictions need an API key or a bearer token (Authorization: Bearer ...)",
          0, false};
}

http::Response Authenticator::refusal(const AuthVerdict& verdict) {
  http::Response response = http::error_response(verdict.status, verdict.message);
  if (verdict.status == 401) {
    response.headers.push_back(
        {"WWW-Authenticate", verdict.invalid_token ? R"(Bearer realm="hone", error="invalid_token")"
                                                   : R"(Bearer realm="hone")"});
  }
  if (verdict.status == 429) {
    response.headers.push_back({"Retry-After", std::to_string(verdict.retry_after_s)});
  }
  return response;
}

}  // namespace hone::serve
