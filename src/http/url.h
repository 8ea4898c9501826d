// Absolute http:// and https:// URLs (the load generator's targets, upstream servers).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace hone::http {

struct Url {
  std::string scheme;  // "http" or "https"
  std::string host;    // name or address, without brackets
  std::uint16_t port = 0;
  std::string target = "/";  // path and query

  bool tls() const { return scheme == "https"; }
  std::string host_header() const;  // host[:port], port only when not the default
  std::string origin() const;       // scheme://host[:port]
};

Result<Url> parse_url(std::string_view text);

// `path` relative to `base` ("/v2/x" or "v2/x"), or a full URL that replaces it.
Result<Url> resolve_url(const Url& base, std::string_view path);

}  // namespace hone::http
