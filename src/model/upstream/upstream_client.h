// One upstream server as hone calls it: a pool of kept-alive connections (one call on each at a
// time), the mapping of failures to the HTTP status a gateway answers, the retry rule, a circuit
// breaker and, when the settings name a health path, a thread polling it:
// - no answer within the timeout: 504; refused, reset, or no connection within the connect
//   timeout: 502; an answer body over 64 MiB: 502 (answers are read whole);
// - only failures where nothing reached the upstream are retried, once, on a new connection (a
//   refused or timed-out connect, a kept-alive connection the upstream had closed);
// - 5 failures in a row (502, 504, or a 5xx answer) open the breaker: calls answer 503 at once for
//   1 s, then one call probes, and a success closes it.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/client.h"
#include "http/url.h"
#include "model/model_config.h"

namespace hone::model {

// Settings' microseconds as a client timeout (at least 1 ms).
std::chrono::milliseconds to_timeout(std::int64_t us);

class UpstreamClient {
 public:
  UpstreamClient(std::string name, const UpstreamSettings& settings, const http::Url& url);
  ~UpstreamClient();
  UpstreamClient(const UpstreamClient&) = delete;
  UpstreamClient& operator=(const UpstreamClient&) = delete;

  // Sends one request to `target` (the upstream URL's host; the caller gives the whole path
  // and query): the upstream's answer, whatever its status, or an error whose code is the
  // status to answer (502, 503, 504). Thread-safe.
  Result<http::ClientResponse> call(std::string_view method, const std::string& target,
                                    std::string_view body,
                                    const std::vector<http::Header>& headers);
  // POSTs a JSON body.
  Result<http::ClientResponse> post(const std::string& target, const std::string& body) {
    return call("POST", target, body, {{"Content-Type", "application/json"}});
  }
  // The health path's last answer was 200 (always true without a health path).
  bool healthy() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace hone::model
