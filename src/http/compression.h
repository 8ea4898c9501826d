// Response compression negotiated from Accept-Encoding (zstd, br, gzip; q-values honoured,
// identity otherwise), for bodies at or above a threshold, and ETags with If-None-Match -> 304.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/message.h"

namespace hone::http {

enum Encoding : std::uint8_t { kIdentity = 0, kGzip = 1, kBrotli = 2, kZstd = 4 };

struct CompressionOptions {
  bool enabled = true;
  std::size_t min_bytes = 1024;
  int gzip_level = 5;
  int brotli_quality = 4;
  int zstd_level = 3;
};

// The encoding to use for a client's Accept-Encoding (the best it accepts, preferring zstd,
// then br, then gzip when it likes them equally); kIdentity when none.
Encoding choose_encoding(std::string_view accept_encoding);

// Compresses `response` in place when it is large enough, not yet encoded and the client
// accepts an encoding, adding Content-Encoding. Every answer large enough to be compressed
// gets Vary: Accept-Encoding, compressed or not. False when the body was left as it was.
bool compress_response(Response& response, Encoding encoding, const CompressionOptions& options);

std::string gzip_compress(std::string_view data, int level);
std::string brotli_compress(std::string_view data, int quality);
std::string zstd_compress(std::string_view data, int level);

// Sets a strong ETag from the body; when the request's If-None-Match names it, turns the
// response into a bodiless 304. For responses that only change when the server's state does.
void apply_etag(const Request& request, Response& response);

}  // namespace hone::http
