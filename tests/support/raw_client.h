// A blocking TCP client for tests that need to send exact bytes (malformed, pipelined, partial
// requests) and read exact answers. Every read is bounded by a receive timeout, so a test fails
// instead of hanging when the server does not answer.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace hone::test {

struct RawResponse {
  int status = 0;
  std::string head;  // status line and headers
  std::string body;
  std::string header(const std::string& name) const;  // case-insensitive; empty when absent
};

class RawClient {
 public:
  explicit RawClient(std::uint16_t port,
                     std::chrono::milliseconds timeout = std::chrono::seconds(10));
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool send(const std::string& bytes);
  void shutdown_write();
  // Reads one response (Content-Length framed; HEAD answers have no body when head_only).
  // status 0 means the connection closed or timed out first.
  RawResponse read_response(bool head_only = false);
  // True when the server closed the connection (EOF) before the timeout.
  bool closed_by_peer();
  // What has been received and not yet read as a response (all of it after closed_by_peer()).
  const std::string& unread() const { return buffer_; }

 private:
  bool fill();  // reads more bytes into buffer_; false on EOF, error or timeout

  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// "POST /path HTTP/1.1" with Host, Content-Type and Content-Length.
std::string post_request(const std::string& target, const std::string& body,
                         const std::string& extra_headers = "");
std::string get_request(const std::string& target, const std::string& extra_headers = "");

}  // namespace hone::test
