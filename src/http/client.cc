#include "http/client.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "http/asio.h"

namespace hone::http {

class Client::Impl {
 public:
  Impl(std::chrono::milliseconds timeout, std::string host)
      : host_(std::move(host)), timeout_(timeout) {}

  // Runs the queued asynchronous work for at most the timeout; on expiry closes the socket so
  // the pending operation completes with an error.
  bool run_bounded() {
    io_.restart();
    io_.run_for(timeout_);
    if (!io_.stopped()) {
      beast::error_code ignored;
      socket_.close(ignored);
      io_.restart();
      io_.run();
      return false;
    }
    return true;
  }

  Status connect(std::uint16_t port) {
    beast::error_code error;
    tcp::resolver resolver(io_);
    const auto endpoints = resolver.resolve(host_, std::to_string(port), error);
    if (error) {
      return fail("cannot resolve " + host_ + ": " + error.message(), kClientConnectFailed);
    }
    asio::async_connect(socket_, endpoints,
                        [&error](const beast::error_code& e, const tcp::endpoint&) { error = e; });
    if (!run_bounded()) return fail("connect to " + host_ + " timed out", kClientConnectFailed);
    if (error) {
      return fail(
          "cannot connect to " + host_ + ":" + std::to_string(port) + ": " + error.message(),
          kClientConnectFailed);
    }
    socket_.set_option(tcp::no_delay(true), error);
    return {};
  }

  Result<ClientResponse> request(std::string_view method, std::string_view target,
                                 std::string_view body, const std::vector<Header>& headers) {
    beast::http::request<beast::http::string_body> message;
    message.method_string(beast::string_view(method.data(), method.size()));
    message.target(beast::string_view(target.data(), target.size()));
    message.version(11);
    message.set(beast::http::field::host, host_);
    for (const auto& header : headers) message.insert(header.name, header.value);
    if (!body.empty() || method == "POST" || method == "PUT") {
      message.body() = std::string(body);
      message.prepare_payload();
    }
    beast::error_code error;
    beast::http::async_write(socket_, message,
                             [&error](const beast::error_code& e, std::size_t) { error = e; });
    if (!run_bounded()) return fail("request timed out while sending", kClientTimedOut);
    // A kept-alive connection the peer closed meanwhile fails here or at the first read.
    if (error) return fail("send failed: " + error.message(), kClientClosedEarly);

    beast::http::response_parser<beast::http::string_body> parser;
    parser.body_limit(body_limit_);
    parser.skip(method == "HEAD");
    beast::http::async_read(socket_, buffer_, parser,
                            [&error](const beast::error_code& e, std::size_t) { error = e; });
    if (!run_bounded()) return fail("request timed out waiting for the response", kClientTimedOut);
    if (error) {
      const bool nothing_came = error == beast::http::error::end_of_stream ||
                                (error == asio::error::connection_reset && !parser.got_some());
      return fail("receive failed: " + error.message(),
                  nothing_came ? kClientClosedEarly : kClientFailed);
    }
    auto response = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      out.headers.push_back(Header{std::string(field.name_string()), std::string(field.value())});
    }
    out.body = std::move(response.body());
    return out;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_{io_};
  beast::flat_buffer buffer_;
  std::string host_;

 public:
  std::chrono::milliseconds timeout_;
  std::uint64_t body_limit_ = 1024ULL * 1024 * 1024;
};

Client::Client(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;
Client::~Client() = default;

Result<Client> Client::connect(const std::string& host, std::uint16_t port,
                               std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>(timeout, host);
  if (auto status = impl->connect(port); !status) return status.error();
  return Client(std::move(impl));
}

void Client::set_body_limit(std::uint64_t bytes) { impl_->body_limit_ = bytes; }
void Client::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout_ = timeout; }

Result<ClientResponse> Client::request(std::string_view method, std::string_view target,
                                       std::string_view body, const std::vector<Header>& headers) {
  return impl_->request(method, target, body, headers);
}

}  // namespace hone::http
