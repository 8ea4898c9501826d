// Decoding base64url (RFC 4648 section 5, no padding), for tests that read JWTs back.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace hone::test {

inline std::string base64url_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    return c == '-' ? 62 : 63;
  };
  std::string out;
  int bits = 0;
  std::uint32_t buffer = 0;
  for (const char c : text) {
    buffer = (buffer << 6) | static_cast<std::uint32_t>(value(c));
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return out;
}

}  // namespace hone::test
