// A blocking HTTPS exchange for tests of hone serve's TLS: connect to 127.0.0.1:port, verify the
// server's certificate against a CA file (when given), present a client certificate (when
// given), send `request` and read until the server closes. An error names the step that failed.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.h"

namespace hone::test {

struct TlsClientOptions {
  std::string ca_file;    // verify the server against it; empty: no verification
  std::string cert_file;  // a client certificate, with its key
  std::string key_file;
};

Result<std::string> tls_exchange(std::uint16_t port, const std::string& request,
                                 const TlsClientOptions& options = {});

}  // namespace hone::test
