// A minimal HTTPS server for load-generator tests: loopback port 0, the self-signed certificate
// in tests/support/tls (CN localhost, SAN 127.0.0.1), keep-alive, answers every request with
// 200 "ok". One thread per connection; for tests only.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

namespace hone::test {

class TlsServer {
 public:
  TlsServer();
  ~TlsServer();
  std::uint16_t port() const;
  std::int64_t requests() const;
  static std::string certificate_path();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hone::test
