// The HTTP server against raw sockets: keep-alive, pipelining, every bound and its answer,
// timeouts, and graceful stop. Handlers here echo, hold answers, drop them or throw.
#include "http/server.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "support/raw_client.h"
#include "support/redis_process.h"  // test::eventually

namespace hone::http {
namespace {

using test::get_request;
using test::post_request;
using test::RawClient;

// Holds answers until released from another thread, to control completion order.
class Holder {
 public:
  void hold(Responder responder) {
    std::lock_guard lock(mutex_);
    held_.push_back(std::move(responder));
    changed_.notify_all();
  }
  void wait_for(std::size_t count) {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [&] { return held_.size() >= count; });
  }
  void release_all(const std::string& body) {
    std::deque<Responder> held;
    {
      std::lock_guard lock(mutex_);
      held.swap(held_);
    }
    std::thread([held = std::move(held), body]() mutable {
      for (auto& responder : held) {
        Response response;
        response.body = body;
        responder.send(std::move(response));
      }
    }).join();
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Responder> held_;
};

class ServerTest : public ::testing::Test {
 protected:
  void start(Limits limits = {}) {
    ServerOptions options;
    options.port = 0;
    options.threads = 2;
    options.limits = limits;
    server_ = std::make_unique<Server>(options, [this](Request& request, Responder responder) {
      handle(request, std::move(responder));
    });
    ASSERT_TRUE(server_->start());
  }

  void handle(Request& request, Responder responder) {
    const std::string path(request.path());
    if (path == "/hold") {
      holder_.hold(std::move(responder));
      return;
    }
    if (path == "/drop") return;  // the Responder dies unanswered
    if (path == "/throw") throw std::runtime_error("handler failure");
    Response response;
    if (path == "/big") {  // 4 MiB, more than the socket buffers hold
      response.body.assign(4 << 20, 'b');
      responder.send(std::move(response));
      return;
    }
    response.content_type = "text/plain";
    response.body = request.method_text + " " + request.target + " " + request.body;
    responder.send(std::move(response));
  }

  std::uint16_t port() const { return server_->port(); }

  Holder holder_;
  std::unique_ptr<Server> server_;
};

TEST_F(ServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  start();
  RawClient client(port());
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(client.send(get_request("/n/" + std::to_string(i))));
    const auto response = client.read_response();
    ASSERT_EQ(response.status, 200);
    EXPECT_EQ(response.body, "GET /n/" + std::to_string(i) + " ");
  }
  EXPECT_EQ(server_->open_connections(), 1U);
}

TEST_F(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start();
  RawClient client(port());
  std::string burst;
  for (int i = 0; i < 50; ++i)
    burst += post_request("/p/" + std::to_string(i), "b" + std::to_string(i));
  ASSERT_TRUE(client.send(burst));
  for (int i = 0; i < 50; ++i) {
    const auto response = client.read_response();
    ASSERT_EQ(response.status, 200) << i;
    EXPECT_EQ(response.body, "POST /p/" + std::to_string(i) + " b" + std::to_string(i));
  }
}

TEST_F(ServerTest, LaterAnswersWaitForEarlierOnes) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send(get_request("/hold") + get_request("/fast")));
  holder_.wait_for(1);
  holder_.release_all("held");
  const auto first = client.read_response();
  const auto second = client.read_response();
  EXPECT_EQ(first.body, "held");
  EXPECT_EQ(second.body, "GET /fast ");
}

TEST_F(ServerTest, LongRequestLineIs414) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send(get_request("/" + std::string(9000, 'a'))));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 414);
  EXPECT_NE(response.body.find("request line too long"), std::string::npos);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, LargeHeadersAre431) {
  start();
  RawClient client(port());
  std::string headers;
  for (int i = 0; i < 100; ++i)
    headers += "X-Filler-" + std::to_string(i) + ": " + std::string(200, 'x') + "\r\n";
  ASSERT_TRUE(client.send(get_request("/", headers)));
  EXPECT_EQ(client.read_response().status, 431);
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, DeclaredBodyOverTheLimitIs413WithoutReadingIt) {
  Limits limits;
  limits.max_body_bytes = 1000;
  start(limits);
  RawClient client(port());
  ASSERT_TRUE(client.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n"));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 413);
  EXPECT_NE(response.body.find("limit 1000 bytes"), std::string::npos);
}

TEST_F(ServerTest, ChunkedBodyOverTheLimitIs413) {
  Limits limits;
  limits.max_body_bytes = 100;
  start(limits);
  RawClient client(port());
  std::string request = "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5; ++i) request += "32\r\n" + std::string(50, 'z') + "\r\n";
  request += "0\r\n\r\n";
  ASSERT_TRUE(client.send(request));
  EXPECT_EQ(client.read_response().status, 413);
}

TEST_F(ServerTest, ChunkedBodyWithinTheLimitIsRead) {
  start();
  RawClient client(port());
  ASSERT_TRUE(
      client.send("POST /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: "
                  "chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "POST /c abcde");
}

TEST_F(ServerTest, PostWithoutLengthIs411) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send("POST /x HTTP/1.1\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(client.read_response().status, 411);
}

TEST_F(ServerTest, MalformedRequestIs400) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n"));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 400);
  EXPECT_NE(response.body.find("malformed HTTP request"), std::string::npos);
}

TEST_F(ServerTest, RequestSmugglingShapesAre400AndClose) {
  start();
  for (const std::string request :
       {"POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
        "0\r\n\r\n",
        "POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        "POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: t\r\n folded\r\n\r\n"}) {
    RawClient client(port());
    ASSERT_TRUE(client.send(request + get_request("/after")));
    const auto response = client.read_response();
    EXPECT_EQ(response.status, 400) << request;
    ASSERT_TRUE(client.closed_by_peer()) << request;
    EXPECT_EQ(client.unread(), "") << "the request after it was answered:\n" << request;
  }
}

// RFC 9112's edges, each answered at once and the connection closed: a transfer coding hone does
// not implement (501), a chunk-size line ending in a bare LF (400, not a wait for the body
// timeout), HTTP/1.1 without Host (400), too many header fields (431).
TEST_F(ServerTest, ProtocolEdgesAreAnsweredAtOnceAndClose) {
  Limits limits;
  limits.body_timeout = std::chrono::seconds(30);
  limits.max_header_fields = 4;
  start(limits);
  const std::vector<std::pair<std::string, int>> cases = {
      {"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
      {"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: pigeons\r\n\r\n", 501},
      {"POST /x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n", 400},
      {"GET /x HTTP/1.1\r\nAccept: */*\r\n\r\n", 400},
      {"GET /x HTTP/1.1\r\nHost: t\r\nA: 1\r\nB: 2\r\nC: 3\r\nD: 4\r\n\r\n", 431}};
  for (const auto& [request, status] : cases) {
    RawClient client(port(), std::chrono::seconds(5));
    ASSERT_TRUE(client.send(request));
    // Within the client's 5 s, far under the 30 s body timeout: not a wait for more bytes.
    EXPECT_EQ(client.read_response().status, status) << request;
    EXPECT_TRUE(client.closed_by_peer()) << request;
  }
  // An absolute-form target reaches the handler as its path.
  RawClient client(port());
  ASSERT_TRUE(client.send("GET http://t:1/abs?q=1 HTTP/1.1\r\nHost: t\r\n\r\n"));
  const auto absolute = client.read_response();
  EXPECT_EQ(absolute.status, 200);
  EXPECT_EQ(absolute.body, "GET /abs?q=1 ");
}

TEST_F(ServerTest, UnsupportedHttpVersionIs505) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send("GET / HTTP/2.0\r\nHost: t\r\n\r\n"));
  EXPECT_EQ(client.read_response().status, 505);
}

TEST_F(ServerTest, PartialHeaderTimesOutWith408) {
  Limits limits;
  limits.header_timeout = std::chrono::milliseconds(150);
  start(limits);
  RawClient client(port());
  ASSERT_TRUE(client.send("GET / HTTP/1.1\r\nHost: t\r\n"));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 408);
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, SilentNewConnectionTimesOutWith408) {
  Limits limits;
  limits.header_timeout = std::chrono::milliseconds(150);
  start(limits);
  RawClient client(port());
  EXPECT_EQ(client.read_response().status, 408);
}

TEST_F(ServerTest, SlowBodyTimesOutWith408) {
  Limits limits;
  limits.body_timeout = std::chrono::milliseconds(150);
  start(limits);
  RawClient client(port());
  ASSERT_TRUE(client.send("POST /x HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\nonly-some"));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 408);
  EXPECT_NE(response.body.find("body"), std::string::npos);
}

TEST_F(ServerTest, IdleKeptAliveConnectionIsClosedQuietly) {
  Limits limits;
  limits.idle_timeout = std::chrono::milliseconds(150);
  start(limits);
  RawClient client(port());
  ASSERT_TRUE(client.send(get_request("/")));
  EXPECT_EQ(client.read_response().status, 200);
  EXPECT_EQ(client.read_response().status, 0);  // no unsolicited 408, just the close
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, AClientThatStopsReadingIsDroppedAfterTheWriteTimeout) {
  Limits limits;
  limits.write_timeout = std::chrono::milliseconds(300);
  start(limits);
  RawClient client(port());
  std::string requests;
  for (int i = 0; i < 8; ++i) requests += get_request("/big");
  ASSERT_TRUE(client.send(requests));  // and never reads: 32 MiB of answers back up
  ASSERT_TRUE(test::eventually([&] { return server_->open_connections() == 1; }));
  // Closed long before the idle timeout (60 s) would: by the write timeout.
  EXPECT_TRUE(
      test::eventually([&] { return server_->open_connections() == 0; }, std::chrono::seconds(10)));
}

TEST_F(ServerTest, HeadAnswersWithoutBody) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send("HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n" + get_request("/after")));
  const auto head = client.read_response(true);
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("Content-Length"), "8");  // "HEAD /h "
  EXPECT_EQ(client.read_response().body, "GET /after ");
}

TEST_F(ServerTest, Http10WithoutKeepAliveCloses) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send("GET /old HTTP/1.0\r\n\r\n"));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, Http10KeepAliveIsHonoured) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send("GET /a HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  const auto response = client.read_response();
  EXPECT_EQ(response.header("Connection"), "keep-alive");
  ASSERT_TRUE(client.send("GET /b HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"));
  EXPECT_EQ(client.read_response().body, "GET /b ");
}

TEST_F(ServerTest, ExpectContinueGetsInterimAnswer) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send(
      "POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n"));
  EXPECT_EQ(client.read_response().status, 100);
  ASSERT_TRUE(client.send("body"));
  const auto response = client.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "POST /e body");
}

TEST_F(ServerTest, UnknownExpectationIs417) {
  start();
  RawClient client(port());
  ASSERT_TRUE(
      client.send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 1\r\nExpect: magic\r\n\r\nx"));
  EXPECT_EQ(client.read_response().status, 417);
}

TEST_F(ServerTest, DroppedOrThrowingHandlerAnswers500) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send(get_request("/drop") + get_request("/throw") + get_request("/ok")));
  EXPECT_EQ(client.read_response().status, 500);
  EXPECT_EQ(client.read_response().status, 500);
  EXPECT_EQ(client.read_response().status, 200);
}

TEST_F(ServerTest, HalfClosedClientStillGetsItsAnswers) {
  start();
  RawClient client(port());
  ASSERT_TRUE(client.send(get_request("/1") + get_request("/2")));
  client.shutdown_write();
  EXPECT_EQ(client.read_response().body, "GET /1 ");
  EXPECT_EQ(client.read_response().body, "GET /2 ");
  EXPECT_TRUE(client.closed_by_peer());
}

TEST_F(ServerTest, StopDrainsInFlightRequestsAndRefusesNewConnections) {
  start();
  RawClient busy(port());
  ASSERT_TRUE(busy.send(get_request("/hold")));
  holder_.wait_for(1);
  RawClient idle(port());
  ASSERT_TRUE(idle.send(get_request("/warm")));
  ASSERT_EQ(idle.read_response().status, 200);

  std::thread stopper([&] { server_->stop(std::chrono::seconds(10)); });
  // The idle connection is closed without an answer; the busy one gets its answer first.
  EXPECT_TRUE(idle.closed_by_peer());
  RawClient late(port());
  EXPECT_FALSE(late.connected());
  holder_.release_all("finished");
  const auto response = busy.read_response();
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, "finished");
  EXPECT_EQ(response.header("Connection"), "close");
  EXPECT_TRUE(busy.closed_by_peer());
  stopper.join();
  EXPECT_EQ(server_->open_connections(), 0U);
}

// Clients the kernel connected while the server was at its connection bound wait in the listen
// backlog; at stop they are accepted and their requests answered (with Connection: close), where
// closing the listener would have reset them.
TEST_F(ServerTest, StopAnswersRequestsWaitingInTheListenBacklog) {
  Limits limits;
  limits.max_connections = 1;
  start(limits);
  RawClient first(port());
  ASSERT_TRUE(first.send(get_request("/warm")));
  ASSERT_EQ(first.read_response().status, 200);
  std::vector<std::unique_ptr<RawClient>> waiting;
  for (int i = 0; i < 4; ++i) {
    waiting.push_back(std::make_unique<RawClient>(port()));
    ASSERT_TRUE(waiting.back()->connected());
    ASSERT_TRUE(waiting.back()->send(get_request("/w" + std::to_string(i))));
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(server_->open_connections(), 1U);  // the others are not accepted
  server_->stop(std::chrono::seconds(5));
  for (int i = 0; i < 4; ++i) {
    const auto response = waiting[static_cast<std::size_t>(i)]->read_response();
    EXPECT_EQ(response.status, 200) << i;
    EXPECT_EQ(response.body, "GET /w" + std::to_string(i) + " ") << i;
    EXPECT_EQ(response.header("Connection"), "close") << i;
  }
  EXPECT_EQ(server_->open_connections(), 0U);
}

TEST_F(ServerTest, StopForceClosesAtTheDeadline) {
  start();
  RawClient busy(port());
  ASSERT_TRUE(busy.send(get_request("/hold")));
  holder_.wait_for(1);
  server_->stop(std::chrono::milliseconds(100));
  EXPECT_EQ(busy.read_response().status, 0);
  EXPECT_EQ(server_->open_connections(), 0U);
  holder_.release_all("too late");  // answering a closed connection is harmless
}

TEST(Server, BindFailureIsAnErrorNotACrash) {
  ServerOptions options;
  options.host = "203.0.113.1";  // TEST-NET-3: never a local address
  options.port = 0;
  Server server(options, [](Request&, Responder) {});
  const auto status = server.start();
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("cannot listen on 203.0.113.1"), std::string::npos);
}

}  // namespace
}  // namespace hone::http
