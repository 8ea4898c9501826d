#include "http/compression.h"

#include <brotli/decode.h>
#include <gtest/gtest.h>
#include <zlib.h>
#include <zstd.h>

namespace hone::http {
namespace {

std::string gunzip(const std::string& data) {
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

std::string unbrotli(const std::string& data) {
  std::string out(1 << 20, '\0');
  std::size_t size = out.size();
  BrotliDecoderDecompress(data.size(), reinterpret_cast<const std::uint8_t*>(data.data()), &size,
                          reinterpret_cast<std::uint8_t*>(out.data()));
  out.resize(size);
  return out;
}

std::string unzstd(const std::string& data) {
  std::string out(1 << 20, '\0');
  out.resize(ZSTD_decompress(out.data(), out.size(), data.data(), data.size()));
  return out;
}

std::string payload() {
  std::string json = R"({"predictions":[)";
  for (int i = 0; i < 400; ++i) json += (i ? "," : "") + std::to_string(0.001 * i * i);
  return json + "]}";
}

TEST(Compression, ChoosesFromAcceptEncoding) {
  EXPECT_EQ(choose_encoding("gzip"), kGzip);
  EXPECT_EQ(choose_encoding("gzip, deflate, br"), kBrotli);
  EXPECT_EQ(choose_encoding("gzip, br, zstd"), kZstd);
  EXPECT_EQ(choose_encoding("br;q=0.5, gzip;q=0.9"), kGzip);
  EXPECT_EQ(choose_encoding("zstd;q=0, gzip"), kGzip);
  EXPECT_EQ(choose_encoding("identity"), kIdentity);
  EXPECT_EQ(choose_encoding("*"), kZstd);
  EXPECT_EQ(choose_encoding("*;q=0"), kIdentity);
  EXPECT_EQ(choose_encoding(""), kIdentity);
  EXPECT_EQ(choose_encoding("deflate"), kIdentity);
}

TEST(Compression, RoundTripsEveryEncoding) {
  const std::string body = payload();
  for (const Encoding encoding : {kGzip, kBrotli, kZstd}) {
    Response response;
    response.body = body;
    ASSERT_TRUE(compress_response(response, encoding, {}));
    EXPECT_LT(response.body.size(), body.size() / 2);
    EXPECT_EQ(find_header(response.headers, "Vary"), "Accept-Encoding");
    const auto name = find_header(response.headers, "Content-Encoding");
    const std::string restored = name == "gzip" ? gunzip(response.body)
                                 : name == "br" ? unbrotli(response.body)
                                                : unzstd(response.body);
    EXPECT_EQ(restored, body) << name;
  }
}

TEST(Compression, LeavesSmallOrEncodedBodiesAlone) {
  Response small;
  small.body = "{\"ok\":true}";
  EXPECT_FALSE(compress_response(small, kGzip, {}));
  EXPECT_TRUE(small.headers.empty());
  Response encoded;
  encoded.body = payload();
  encoded.headers.push_back({"Content-Encoding", "br"});
  EXPECT_FALSE(compress_response(encoded, kGzip, {}));
  CompressionOptions off;
  off.enabled = false;
  Response big;
  big.body = payload();
  EXPECT_FALSE(compress_response(big, kGzip, off));
}

TEST(Etag, NotModifiedWhenTheTagMatches) {
  Request request;
  Response response;
  response.body = R"({"name":"m"})";
  apply_etag(request, response);
  const std::string tag(find_header(response.headers, "ETag"));
  ASSERT_EQ(tag.size(), 18U);
  EXPECT_EQ(response.status, 200);
  request.headers.push_back({"If-None-Match", "\"other\", " + tag});
  Response again;
  again.body = R"({"name":"m"})";
  apply_etag(request, again);
  EXPECT_EQ(again.status, 304);
  EXPECT_TRUE(again.body.empty());
  Request stale;
  stale.headers.push_back({"If-None-Match", "\"0000000000000000\""});
  Response changed;
  changed.body = R"({"name":"m"})";
  apply_etag(stale, changed);
  EXPECT_EQ(changed.status, 200);
}

}  // namespace
}  // namespace hone::http
