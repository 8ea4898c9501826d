#include "load/response_parser.h"

#include <gtest/gtest.h>

namespace hone::load {
namespace {

// Feeds `text` in pieces of `step` bytes; returns the parser.
ResponseParser parse(const std::string& text, std::size_t step, bool head = false) {
  ResponseParser parser;
  parser.reset(head, true);
  for (std::size_t at = 0; at < text.size() && !parser.done() && !parser.failed(); at += step) {
    parser.feed(std::string_view(text).substr(at, step));
  }
  return parser;
}

TEST(ResponseParser, ContentLengthInAnySplit) {
  const std::string text =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
      "11\r\n\r\n{\"ok\":true}";
  for (std::size_t step = 1; step <= text.size(); ++step) {
    const auto parser = parse(text, step);
    ASSERT_TRUE(parser.done()) << step;
    EXPECT_EQ(parser.status(), 200);
    EXPECT_EQ(parser.body(), "{\"ok\":true}");
    EXPECT_TRUE(parser.keep_alive());
  }
}

TEST(ResponseParser, ChunkedInAnySplit) {
  const std::string text =
      "HTTP/1.1 201 Created\r\nTransfer-Encoding: "
      "chunked\r\n\r\n4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\nTrailer: 1\r\n\r\n";
  for (std::size_t step = 1; step <= text.size(); ++step) {
    const auto parser = parse(text, step);
    ASSERT_TRUE(parser.done()) << step;
    EXPECT_EQ(parser.status(), 201);
    EXPECT_EQ(parser.body(), "Wikipedia");
  }
}

TEST(ResponseParser, StopsAtTheEndOfOneResponse) {
  ResponseParser parser;
  parser.reset(false, false);
  const std::string two = "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n";
  EXPECT_EQ(parser.feed(two), std::string("HTTP/1.1 204 No Content\r\n\r\n").size());
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(parser.body_bytes(), 0);
}

TEST(ResponseParser, ConnectionCloseAndHttp10) {
  auto closing = parse("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n", 7);
  EXPECT_TRUE(closing.done());
  EXPECT_FALSE(closing.keep_alive());
  auto old = parse("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi", 3);
  EXPECT_FALSE(old.keep_alive());
  auto old_kept =
      parse("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n", 5);
  EXPECT_TRUE(old_kept.keep_alive());
}

TEST(ResponseParser, ReadUntilClose) {
  ResponseParser parser;
  parser.reset(false, true);
  parser.feed("HTTP/1.1 200 OK\r\n\r\nstream");
  EXPECT_FALSE(parser.done());
  parser.feed("ing");
  parser.on_eof();
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(parser.body(), "streaming");
  EXPECT_FALSE(parser.keep_alive());
}

TEST(ResponseParser, HeadAnswersHaveNoBody) {
  auto parser = parse("HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", 4, true);
  EXPECT_TRUE(parser.done());
}

TEST(ResponseParser, SkipsInterimAnswers) {
  auto parser =
      parse("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 2);
  EXPECT_TRUE(parser.done());
  EXPECT_EQ(parser.status(), 200);
  EXPECT_EQ(parser.body(), "x");
}

TEST(ResponseParser, KeepsAtMostKMaxKeptBodyOfAHugeBody) {
  const std::size_t size = ResponseParser::kMaxKeptBody + 1000;
  ResponseParser parser;
  parser.reset(false, true);
  parser.feed("HTTP/1.1 200 OK\r\nContent-Length: " + std::to_string(size) + "\r\n\r\n");
  const std::string piece(64 * 1024, 'x');
  for (std::size_t fed = 0; fed < size;) {
    const std::size_t n = std::min(piece.size(), size - fed);
    fed += parser.feed(std::string_view(piece).substr(0, n));
  }
  ASSERT_TRUE(parser.done());
  EXPECT_EQ(parser.body().size(), ResponseParser::kMaxKeptBody);
  EXPECT_EQ(parser.body_bytes(), static_cast<std::int64_t>(size));
}

TEST(ResponseParser, Errors) {
  EXPECT_TRUE(parse("HTTP/2 200\r\n\r\n", 100).failed());
  EXPECT_TRUE(parse("garbage\r\n\r\n", 100).failed());
  EXPECT_TRUE(parse("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n", 100).failed());
  EXPECT_TRUE(parse("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 100).failed());
  ResponseParser cut;
  cut.reset(false, false);
  cut.feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  cut.on_eof();
  EXPECT_TRUE(cut.failed());
  ResponseParser huge;
  huge.reset(false, false);
  huge.feed("HTTP/1.1 200 OK\r\nX: " + std::string(ResponseParser::kMaxHead, 'a'));
  EXPECT_TRUE(huge.failed());
}

}  // namespace
}  // namespace hone::load
