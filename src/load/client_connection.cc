#include "load/client_connection.h"

#include <sys/socket.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cerrno>
#include <optional>
#include <type_traits>

#include "report/result.h"

namespace hone::load {
namespace {

using http::IoExecutor;
using http::Socket;
using http::Timer;
using ErrorCode = boost::system::error_code;

constexpr std::size_t kReadBuffer = 64 * 1024;

template <bool kTls>
class Connection final : public ClientConnection {
  using Stream = std::conditional_t<kTls, asio::ssl::stream<Socket>, Socket>;

 public:
  Connection(asio::io_context& io, const Origin& origin, asio::ssl::context* tls,
             const ConnectionSettings& settings, ConnectionEvents& events)
      : io_(io),
        origin_(origin),
        tls_(tls),
        settings_(settings),
        events_(events),
        timer_(io.get_executor()),
        buffer_(kReadBuffer) {}

  bool open() const override { return open_; }

  void connect() override {
    const std::uint64_t generation = ++generation_;
    if constexpr (kTls) {
      stream_.emplace(Socket(io_.get_executor()), *tls_);
      // SNI; SSL_set_tlsext_host_name is a macro with a C cast, so call what it expands to.
      SSL_ctrl(stream_->native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
               const_cast<char*>(origin_.host.c_str()));
      if (!settings_.insecure) {
        stream_->set_verify_mode(asio::ssl::verify_peer);
        stream_->set_verify_callback(asio::ssl::host_name_verification(origin_.host));
      }
    } else {
      stream_.emplace(io_.get_executor());
    }
    arm_timer(generation);
    asio::async_connect(socket(), origin_.endpoints,
                        [this, generation](const ErrorCode& error, const http::tcp::endpoint&) {
                          if (generation != generation_) return;
                          if (error) {
                            connect_failed();
                            return;
                          }
                          ErrorCode ignored;
                          socket().set_option(http::tcp::no_delay(true), ignored);
                          if constexpr (kTls) {
                            stream_->async_handshake(
                                asio::ssl::stream_base::client,
                                [this, generation](const ErrorCode& handshake_error) {
                                  if (generation != generation_) return;
                                  if (handshake_error) {
                                    connect_failed();
                                    return;
                                  }
                                  connected();
                                });
                          } else {
                            connected();
                          }
                        });
  }

  void send(const Ticket& ticket, std::string_view request, bool keep_body, bool head) override {
    if (spoken_while_idle()) {
      close();
      asio::post(io_, [this, ticket] {
        events_.on_failure(*this, ticket, kConnectionGone, Clock::now(), 0);
      });
      return;
    }
    ticket_ = ticket;
    out_.assign(request);
    parser_.reset(head, keep_body);
    bytes_in_ = 0;
    sent_ = Clock::now();
    const std::uint64_t generation = generation_;
    arm_timer(generation);
    asio::async_write(*stream_, asio::buffer(out_),
                      [this, generation](const ErrorCode& error, std::size_t) {
                        if (generation != generation_) return;
                        if (error) {
                          fail(report::kErrorReset);
                          return;
                        }
                        read();
                      });
  }

  void close() override {
    ++generation_;
    open_ = false;
    timer_.cancel();
    if (stream_) {
      ErrorCode ignored;
      socket().close(ignored);
    }
  }

 private:
  Socket& socket() {
    if constexpr (kTls) {
      return stream_->next_layer();
    } else {
      return *stream_;
    }
  }

  // Bytes, an end of stream or an error waiting on an idle connection: the server spoke (an
  // unsolicited 408) or closed. Over TLS only once the connection has answered a request: before
  // that a TLS 1.3 server's session tickets may wait unread.
  bool spoken_while_idle() {
    if (kTls && answered_ == 0) return false;
    char byte = 0;
    const ssize_t n = ::recv(socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
    return n >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK);
  }

  void arm_timer(std::uint64_t generation) {
    timer_.expires_after(settings_.timeout);
    timer_.async_wait([this, generation](const ErrorCode& error) {
      if (error || generation != generation_) return;
      if (!open_) {
        connect_failed();
      } else {
        fail(report::kErrorTimeout);
      }
    });
  }

  void connected() {
    timer_.cancel();
    open_ = true;
    answered_ = 0;
    events_.on_connected(*this, true);
  }

  void connect_failed() {
    close();
    events_.on_connected(*this, false);
  }

  void read() {
    const std::uint64_t generation = generation_;
    stream_->async_read_some(asio::buffer(buffer_),
                             [this, generation](const ErrorCode& error, std::size_t bytes) {
                               if (generation != generation_) return;
                               on_read(error, bytes);
                             });
  }

  void on_read(const ErrorCode& error, std::size_t bytes) {
    if (error) {
      if (error == asio::error::eof || error == asio::ssl::error::stream_truncated) {
        parser_.on_eof();
        if (parser_.done()) {
          open_ = false;
          finish();
          return;
        }
      }
      fail(report::kErrorReset);
      return;
    }
    bytes_in_ += static_cast<std::int64_t>(bytes);
    parser_.feed(std::string_view(buffer_.data(), bytes));
    if (parser_.failed()) {
      fail(report::kErrorProtocol);
      return;
    }
    if (parser_.done()) {
      finish();
      return;
    }
    read();
  }

  // The callbacks get copies: the pool may start the next request on this connection (which
  // overwrites ticket_) before it is done with the finished one.
  void finish() {
    timer_.cancel();
    ++answered_;
    if (!parser_.keep_alive()) close();
    const Ticket finished = ticket_;
    events_.on_answer(*this, finished, parser_, sent_, Clock::now(), bytes_in_,
                      static_cast<std::int64_t>(out_.size()));
  }

  void fail(const char* kind) {
    if (std::string_view(kind) == report::kErrorReset && bytes_in_ == 0 && answered_ > 0) {
      kind = kStaleConnection;
    }
    close();
    const Ticket failed = ticket_;
    events_.on_failure(*this, failed, kind, Clock::now(), static_cast<std::int64_t>(out_.size()));
  }

  asio::io_context& io_;
  const Origin& origin_;
  asio::ssl::context* tls_;
  ConnectionSettings settings_;
  ConnectionEvents& events_;
  std::optional<Stream> stream_;
  Timer timer_;
  std::vector<char> buffer_;
  std::string out_;
  ResponseParser parser_;
  Ticket ticket_;
  TimePoint sent_;
  std::int64_t bytes_in_ = 0;
  std::uint64_t generation_ = 0;
  std::int64_t answered_ = 0;  // answers on this connection since it opened
  bool open_ = false;
};

}  // namespace

std::unique_ptr<ClientConnection> make_connection(asio::io_context& io, const Origin& origin,
                                                  asio::ssl::context* tls,
                                                  const ConnectionSettings& settings,
                                                  ConnectionEvents& events) {
  if (origin.tls) return std::make_unique<Connection<true>>(io, origin, tls, settings, events);
  return std::make_unique<Connection<false>>(io, origin, tls, settings, events);
}

}  // namespace hone::load
