#include "http/compression.h"

#include <brotli/encode.h>
#include <xxhash.h>
#include <zlib.h>
#include <zstd.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/strings.h"

namespace hone::http {
namespace {

// q-value of one Accept-Encoding item ("gzip;q=0.5"), 1 when absent.
double quality(std::string_view parameters) {
  for (const auto part : split(parameters, ';')) {
    const auto item = trim(part);
    if (item.size() > 2 && (item[0] == 'q' || item[0] == 'Q') && item[1] == '=') {
      return std::atof(std::string(item.substr(2)).c_str());
    }
  }
  return 1;
}

}  // namespace

Encoding choose_encoding(std::string_view accept_encoding) {
  double best_quality = 0;
  Encoding best = kIdentity;
  double wildcard = -1;
  double q_zstd = -1;
  double q_br = -1;
  double q_gzip = -1;
  for (const auto item : split(accept_encoding, ',')) {
    const auto semicolon = item.find(';');
    const std::string name = to_lower(trim(item.substr(0, semicolon)));
    const double q = semicolon == std::string_view::npos ? 1 : quality(item.substr(semicolon + 1));
    if (name == "zstd") q_zstd = q;
    if (name == "br") q_br = q;
    if (name == "gzip" || name == "x-gzip") q_gzip = q;
    if (name == "*") wildcard = q;
  }
  const auto consider = [&](double q, Encoding encoding) {
    if (q < 0) q = wildcard;  // not named: the wildcard's quality, if any
    if (q > best_quality) {
      best_quality = q;
      best = encoding;
    }
  };
  consider(q_zstd, kZstd);
  consider(q_br, kBrotli);
  consider(q_gzip, kGzip);
  return best;
}

std::string gzip_compress(std::string_view data, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return result == Z_STREAM_END ? out : std::string();
}

std::string brotli_compress(std::string_view data, int quality) {
  std::size_t size = BrotliEncoderMaxCompressedSize(data.size());
  std::string out(size, '\0');
  if (!BrotliEncoderCompress(quality, BROTLI_DEFAULT_WINDOW, BROTLI_MODE_TEXT, data.size(),
                             reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                             reinterpret_cast<std::uint8_t*>(out.data()))) {
    return {};
  }
  out.resize(size);
  return out;
}

std::string zstd_compress(std::string_view data, int level) {
  // Reused per thread (its tables are costly to build), freed when the thread ends.
  thread_local const std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(),
                                                                                  &ZSTD_freeCCtx);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  const std::size_t size =
      ZSTD_compressCCtx(context.get(), out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(size)) return {};
  out.resize(size);
  return out;
}

bool compress_response(Response& response, Encoding encoding, const CompressionOptions& options) {
  if (!options.enabled || response.body.size() < options.min_bytes) return false;
  if (!find_header(response.headers, "Content-Encoding").empty()) return false;
  response.headers.push_back({"Vary", "Accept-Encoding"});
  std::string compressed;
  const char* name = nullptr;
  switch (encoding) {
    case kZstd:
      compressed = zstd_compress(response.body, options.zstd_level);
      name = "zstd";
      break;
    case kBrotli:
      compressed = brotli_compress(response.body, options.brotli_quality);
      name = "br";
      break;
    case kGzip:
      compressed = gzip_compress(response.body, options.gzip_level);
      name = "gzip";
      break;
    case kIdentity:
      return false;
  }
  if (compressed.empty() || compressed.size() >= response.body.size()) return false;
  response.body = std::move(compressed);
  response.headers.push_back({"Content-Encoding", name});
  return true;
}

void apply_etag(const Request& request, Response& response) {
  if (response.status != 200) return;
  char tag[24];
  std::snprintf(
      tag, sizeof tag, "\"%016llx\"",
      static_cast<unsigned long long>(XXH3_64bits(response.body.data(), response.body.size())));
  response.headers.push_back({"ETag", tag});
  const std::string_view wanted = request.header("If-None-Match");
  if (wanted.empty()) return;
  for (const auto candidate : split(wanted, ',')) {
    const auto value = trim(candidate);
    if (value == tag || value == "*" || (starts_with(value, "W/") && value.substr(2) == tag)) {
      response.status = 304;
      response.body.clear();
      return;
    }
  }
}

}  // namespace hone::http
