// The HTTP/1.1 request parser: requests whole or in any pieces, pipelined, with Content-Length or
// chunked bodies; every refusal with its status; nothing of one request left in the next.
#include "http/request_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace hone::http {
namespace {

using State = RequestParser::State;

// Feeds `wire` in pieces of `piece` bytes as a connection would (unused bytes stay in front);
// returns the bytes it left unused (sent or not) once it is done or refuses.
std::string feed_in_pieces(RequestParser& parser, const std::string& wire, std::size_t piece) {
  std::string buffer;
  std::size_t sent = 0;
  while (true) {
    buffer.append(wire, sent, piece);
    sent = std::min(wire.size(), sent + piece);
    buffer.erase(0, parser.feed(buffer));
    if (parser.state() == State::kDone || parser.state() == State::kError) {
      return buffer + wire.substr(sent);
    }
    if (sent == wire.size()) return buffer;
  }
}

TEST(RequestParser, ReadsAGetWithItsFields) {
  Limits limits;
  RequestParser parser(limits);
  const std::string wire =
      "GET /v2/health/ready?x=1 HTTP/1.1\r\nHost: a\r\nX-Empty:\r\n"
      "Accept:  */*  \r\n\r\n";
  EXPECT_EQ(parser.feed(wire), wire.size());
  ASSERT_EQ(parser.state(), State::kDone);
  const Request& request = parser.request();
  EXPECT_EQ(request.method, Method::kGet);
  EXPECT_EQ(request.method_text, "GET");
  EXPECT_EQ(request.target, "/v2/health/ready?x=1");
  ASSERT_EQ(request.headers.size(), 3U);
  EXPECT_EQ(request.header("host"), "a");
  EXPECT_EQ(request.header("X-Empty"), "");
  EXPECT_EQ(request.header("Accept"), "*/*");
  EXPECT_TRUE(request.body.empty());
  EXPECT_EQ(parser.version(), 11);
  EXPECT_TRUE(parser.keep_alive());
}

TEST(RequestParser, KeepAliveFollowsTheVersionAndConnection) {
  Limits limits;
  const auto keep_alive = [&](const std::string& wire) {
    RequestParser parser(limits);
    parser.feed(wire);
    EXPECT_EQ(parser.state(), State::kDone) << wire;
    return parser.keep_alive();
  };
  EXPECT_TRUE(keep_alive("GET / HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.1\r\nHost: t\r\nConnection: Upgrade, Close\r\n\r\n"));
  EXPECT_FALSE(keep_alive("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_TRUE(keep_alive("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"));
}

TEST(RequestParser, AnyPiecesGiveTheSameRequest) {
  Limits limits;
  const std::string wire =
      "POST /v2/models/m/infer HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\n{\"a\":[1,2]}";
  for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
    RequestParser parser(limits);
    EXPECT_EQ(feed_in_pieces(parser, wire, piece), "") << piece;
    ASSERT_EQ(parser.state(), State::kDone) << piece;
    EXPECT_EQ(parser.request().body, "{\"a\":[1,2]}") << piece;
    EXPECT_EQ(parser.request().header("Content-Length"), "11");
  }
}

TEST(RequestParser, PipelinedRequestsAreTakenOneAtATime) {
  Limits limits;
  RequestParser parser(limits);
  const std::string first =
      "POST /a HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\nX-One: 1\r\nX-Two: 2\r\n\r\nhi";
  const std::string second = "GET /b HTTP/1.1\r\nHost: t\r\n\r\n";
  const std::string wire = first + second;
  EXPECT_EQ(parser.feed(wire), first.size());
  ASSERT_EQ(parser.state(), State::kDone);
  EXPECT_EQ(parser.request().body, "hi");
  parser.reset();
  EXPECT_EQ(parser.feed(std::string_view(wire).substr(first.size())), second.size());
  ASSERT_EQ(parser.state(), State::kDone);
  EXPECT_EQ(parser.request().target, "/b");
  ASSERT_EQ(parser.request().headers.size(), 1U);  // nothing of the first request's fields
  EXPECT_EQ(parser.request().header("X-One"), "");
  EXPECT_TRUE(parser.request().body.empty());
}

TEST(RequestParser, EmptyLinesBeforeARequestAreSkipped) {
  Limits limits;
  RequestParser parser(limits);
  const std::string wire = "\r\n\r\nGET / HTTP/1.1\r\nHost: t\r\n\r\n";
  EXPECT_EQ(parser.feed(wire), wire.size());
  EXPECT_EQ(parser.state(), State::kDone);
}

TEST(RequestParser, HostIsOptionalInHttp10AndMayBeEmptyOrAnAddress) {
  Limits limits;
  for (const std::string wire : {"GET / HTTP/1.0\r\n\r\n", "GET / HTTP/1.1\r\nHost:\r\n\r\n",
                                 "GET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n",
                                 "GET / HTTP/1.1\r\nHost: a.b-c_d~e:80\r\n\r\n"}) {
    RequestParser parser(limits);
    parser.feed(wire);
    EXPECT_EQ(parser.state(), State::kDone) << wire << parser.error_message();
  }
}

TEST(RequestParser, AnAbsoluteFormTargetIsReadAsItsPath) {
  Limits limits;
  for (const auto& [target, origin] : std::vector<std::pair<std::string, std::string>>{
           {"http://example.com:8000/v2/health/ready?x=1", "/v2/health/ready?x=1"},
           {"HTTPS://example.com/a", "/a"},
           {"http://example.com", "/"},
           {"http://example.com?q=1", "/?q=1"},
           {"/plain", "/plain"}}) {
    RequestParser parser(limits);
    parser.feed("GET " + target + " HTTP/1.1\r\nHost: example.com\r\n\r\n");
    ASSERT_EQ(parser.state(), State::kDone) << target;
    EXPECT_EQ(parser.request().target, origin);
    EXPECT_EQ(parser.request().path(), origin.substr(0, origin.find('?')));
  }
}

TEST(RequestParser, TooManyHeaderFieldsIs431) {
  Limits limits;
  limits.max_header_fields = 3;
  RequestParser at_limit(limits);
  at_limit.feed("GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\n\r\n");
  EXPECT_EQ(at_limit.state(), State::kDone);
  RequestParser over(limits);
  over.feed("GET / HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");
  ASSERT_EQ(over.state(), State::kError);
  EXPECT_EQ(over.error_status(), 431);
  EXPECT_EQ(over.error_message(), "too many header fields (limit 3)");
  // The default is Envoy's: 100.
  std::string hundred = "GET / HTTP/1.1\r\nHost: t\r\n";
  for (int i = 1; i < 100; ++i) hundred += "X" + std::to_string(i) + ": v\r\n";
  const Limits defaults;  // the parser keeps a reference: it must outlive it
  RequestParser fits(defaults);
  fits.feed(hundred + "\r\n");
  EXPECT_EQ(fits.state(), State::kDone);
  RequestParser one_more(defaults);
  one_more.feed(hundred + "Y: v\r\n\r\n");
  EXPECT_EQ(one_more.error_status(), 431);
}

TEST(RequestParser, ChunkedBodiesWithExtensionsAndTrailers) {
  Limits limits;
  const std::string wire =
      "POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;name=value\r\nabc\r\nA \r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nGET";
  for (std::size_t piece = 1; piece <= wire.size(); ++piece) {
    RequestParser parser(limits);
    EXPECT_EQ(feed_in_pieces(parser, wire, piece).substr(0, 3), "GET") << piece;
    ASSERT_EQ(parser.state(), State::kDone) << piece;
    EXPECT_EQ(parser.request().body, "abc0123456789") << piece;
  }
}

struct Refusal {
  std::string wire;
  int status;
  std::string message;  // a part of it
};

class RequestParserRefuses : public ::testing::TestWithParam<Refusal> {};

TEST_P(RequestParserRefuses, WithTheStatusAndMessage) {
  Limits limits;
  limits.max_request_line = 64;
  limits.max_header_bytes = 256;
  limits.max_body_bytes = 100;
  for (const std::size_t piece : {std::size_t{1}, std::size_t{7}, GetParam().wire.size()}) {
    RequestParser parser(limits);
    feed_in_pieces(parser, GetParam().wire, piece);
    ASSERT_EQ(parser.state(), State::kError) << GetParam().wire << " in pieces of " << piece;
    EXPECT_EQ(parser.error_status(), GetParam().status) << parser.error_message();
    EXPECT_NE(parser.error_message().find(GetParam().message), std::string::npos)
        << parser.error_message();
  }
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RequestParserRefuses,
    ::testing::Values(
        Refusal{"GET /" + std::string(80, 'a') + " HTTP/1.1\r\nHost: t\r\n\r\n", 414,
                "request line too long (limit 64 bytes)"},
        Refusal{"GET / HTTP/1.1\r\nHost: t\r\nX: " + std::string(300, 'b') + "\r\n\r\n", 431,
                "request header too large (limit 256 bytes)"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 101\r\n\r\n", 413,
                "request body too large (limit 100 bytes)"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n" +
                    std::string(64, 'c') + "\r\n40\r\n",
                413, "request body too large"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: " +
                    std::string(300, 't') + "\r\n\r\n",
                431, "request header too large"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\n\r\n", 411, "needs Content-Length"},
        Refusal{"PUT / HTTP/1.1\r\nHost: t\r\n\r\n", 411, "needs Content-Length"},
        Refusal{"GET / HTTP/2.0\r\n\r\n", 505, "only HTTP/1.0 and HTTP/1.1"},
        Refusal{"GET / HTTP/1.2\r\n\r\n", 505, "only HTTP/1.0 and HTTP/1.1"},
        Refusal{"GET / HTTX/1.1\r\n\r\n", 400, "malformed HTTP request: bad version"},
        Refusal{"GET / HTTP/1.1 \r\n\r\n", 400, "bad version"},
        Refusal{" GET / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad method"},
        Refusal{"G(T / HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad method"},
        Refusal{"GET  HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad target"},
        Refusal{"GET /a\x01 HTTP/1.1\r\nHost: t\r\n\r\n", 400, "bad target"},
        Refusal{"GET / HTTP/1.1\r\nHost: t\r\nBad Header Line\r\n\r\n", 400, "bad field"},
        Refusal{"GET / HTTP/1.1\r\nHost : t\r\n\r\n", 400, "bad field"},
        Refusal{"GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n", 400, "obs-fold"},
        Refusal{"GET / HTTP/1.1\r\nHost: t\r\nX: a\x7f\r\n\r\n", 400, "bad field value"},
        Refusal{"GET / HTTP/1.1\r\nHost: t\r\nX: a\nY: b\r\n\r\n", 400, "bad field value"},
        Refusal{
            "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            400, "both Content-Length and Transfer-Encoding"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400,
                "conflicting Content-Length"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 1a\r\n\r\n", 400,
                "bad Content-Length"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n", 400,
                "bad Content-Length"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999\r\n\r\n", 400,
                "bad Content-Length"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501,
                "transfer coding 'gzip' is not implemented"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: pigeons\r\n\r\n", 501,
                "transfer coding 'pigeons' is not implemented"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n"
                "Transfer-Encoding: x-zip\r\n\r\n",
                501, "'x-zip'"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n", 400,
                "chunk size line without CRLF"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: t\n\r\n",
                400, "trailer line without CRLF"},
        Refusal{"GET / HTTP/1.1\r\n\r\n", 400, "HTTP/1.1 needs a Host header"},
        Refusal{"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "more than one Host"},
        Refusal{"GET / HTTP/1.1\r\nHost: a b\r\n\r\n", 400, "bad Host"},
        Refusal{"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", 400, "bad Host"},
        Refusal{"GET / HTTP/1.0\r\nHost: a@b\r\n\r\n", 400, "bad Host"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: "
                "chunked\r\n\r\n",
                400, "bad Transfer-Encoding"},
        Refusal{"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
                "bad Transfer-Encoding"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400,
                "bad chunk size"},
        Refusal{
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
            400, "bad chunk size"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3x\r\n", 400,
                "bad chunk size"},
        Refusal{"POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n",
                400, "bad chunk end"},
        Refusal{
            "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nno colon\r\n\r\n",
            400, "bad trailer"}));

}  // namespace
}  // namespace hone::http
