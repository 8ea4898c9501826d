// A small blocking HTTP/1.1 client over one keep-alive connection, with a timeout on every call.
// For tests, `hone demo` and tools; the load generator has its own engine. Not thread-safe:
// one Client per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "http/message.h"

namespace hone::http {

struct ClientResponse {
  int status = 0;
  std::vector<Header> headers;
  std::string body;
  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

// Error::code of a failed call, for callers that act on the kind of failure.
enum ClientError : int {
  kClientConnectFailed = 1,  // no connection was made: nothing was sent
  kClientTimedOut = 2,       // sending or waiting for the answer took longer than the timeout
  kClientClosedEarly = 3,    // the peer closed the connection before any byte of an answer
  kClientFailed = 4,         // any other failure (reset mid-answer, bad answer, ...)
};

class Client {
 public:
  static Result<Client> connect(const std::string& host, std::uint16_t port,
                                std::chrono::milliseconds timeout = std::chrono::seconds(10));
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  ~Client();

  // Sends one request and reads its answer. After an error the connection is unusable.
  Result<ClientResponse> request(std::string_view method, std::string_view target,
                                 std::string_view body = {},
                                 const std::vector<Header>& headers = {});
  Result<ClientResponse> get(std::string_view target) { return request("GET", target); }
  // Answers with a larger body fail ("body limit exceeded"); 1 GiB unless set.
  void set_body_limit(std::uint64_t bytes);
  // The limit for each later call (sending, then waiting for the answer).
  void set_timeout(std::chrono::milliseconds timeout);
  Result<ClientResponse> post(std::string_view target, std::string_view body) {
    return request("POST", target, body, {{"Content-Type", "application/json"}});
  }

 private:
  class Impl;
  explicit Client(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace hone::http
