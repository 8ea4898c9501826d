#include "http/connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ssl/error.hpp>
#include <string_view>

#include "core/strings.h"

namespace hone::http::detail {
namespace {

constexpr std::size_t kReadChunk = 4 * 1024;
constexpr std::size_t kLargestRead = 64 * 1024;  // into a large body whose length is known
constexpr std::chrono::seconds kLingerTime{2};

}  // namespace

Connection::Connection(Socket socket, std::shared_ptr<ServerContext> context)
    : socket_(std::move(socket)),
      context_(std::move(context)),
      limits_(context_->limits),
      parser_(limits_),
      phase_timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()) {
  if (context_->tls) tls_ = std::make_unique<asio::ssl::stream<Socket&>>(socket_, *context_->tls);
}

Connection::~Connection() { context_->tracker.remove(this); }

void Connection::start() {
  beast::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  reset_parser();
  arm(Wait::kFirstRequest);  // a handshake that stalls meets the first request's deadline
  if (tls_) {
    reading_ = true;
    handshaking_ = true;
    tls_->async_handshake(
        asio::ssl::stream_base::server,
        [self = shared_from_this()](const beast::error_code& error) { self->on_handshake(error); });
    return;
  }
  read_more();
}

void Connection::on_handshake(const beast::error_code& error) {
  reading_ = false;
  handshaking_ = false;
  if (closed_) return;
  if (error) {
    spdlog::debug("TLS handshake failed: {}", error.message());
    close();
    return;
  }
  read_more();
}

void Connection::reset_parser() {
  parser_.reset();
  phase_ = Phase::kIdle;
}

void Connection::read_more() {
  if (reading_ || closing_ || closed_ || pending_.size() >= limits_.max_pipeline) return;
  reading_ = true;
  // A large body of known length is read in larger pieces.
  const std::size_t size = phase_ == Phase::kBody
                               ? static_cast<std::size_t>(std::clamp<std::uint64_t>(
                                     parser_.body_remaining(), kReadChunk, kLargestRead))
                               : kReadChunk;
  auto done = [self = shared_from_this()](const beast::error_code& error, std::size_t bytes) {
    self->on_read(error, bytes);
  };
  if (tls_) {
    tls_->async_read_some(buffer_.prepare(size), std::move(done));
  } else {
    socket_.async_read_some(buffer_.prepare(size), std::move(done));
  }
}

void Connection::on_read(const beast::error_code& error, std::size_t bytes) {
  reading_ = false;
  if (closed_) return;
  if (lingering_) {
    if (error) {
      close();
    } else {
      linger_read();
    }
    return;
  }
  if (error) {
    const bool ended = error == asio::error::eof || error == asio::ssl::error::stream_truncated;
    if (ended && !pending_.empty()) {
      // Half-closed by the client after sending its requests: answer them, then close.
      peer_done_ = true;
      closing_ = true;
      return;
    }
    close();
    return;
  }
  buffer_.commit(bytes);
  process_buffer();
  read_more();
}

// Parses as many complete requests as the buffer holds (pipelining), within the pipeline bound.
void Connection::process_buffer() {
  while (!closing_ && !closed_ && buffer_.size() > 0 && pending_.size() < limits_.max_pipeline) {
    if (phase_ == Phase::kIdle) {
      phase_ = Phase::kHeader;
      request_started_ = std::chrono::steady_clock::now();
      arm(Wait::kHeader);
    }
    const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
    buffer_.consume(parser_.feed(data));
    switch (parser_.state()) {
      case RequestParser::State::kError:
        reject(parser_.error_status(), parser_.error_message());
        return;
      case RequestParser::State::kHeader:
        return;  // the header is not whole yet
      case RequestParser::State::kBody:
        if (phase_ == Phase::kHeader) on_header_done();
        return;  // the body is not whole yet
      case RequestParser::State::kDone:
        if (phase_ == Phase::kHeader && !on_header_done()) return;
        dispatch();
        if (closed_) return;
        if (buffer_.size() == 0 && !closing_) arm(draining_ ? Wait::kDrainGrace : Wait::kIdle);
        break;
    }
  }
}

bool Connection::on_header_done() {
  phase_ = Phase::kBody;
  const std::string_view expect = parser_.request().header("Expect");
  if (!expect.empty()) {
    if (!iequals(trim(expect), "100-continue")) {
      reject(417, "unsupported Expect header");
      return false;
    }
    if (parser_.state() != RequestParser::State::kDone && buffer_.size() == 0) send_continue();
  }
  if (parser_.state() != RequestParser::State::kDone) arm(Wait::kBody);
  return true;
}

void Connection::dispatch() {
  // The parser is reset before the handler runs, so an answer given at once sees this
  // connection as it is between requests (which decides Connection: close while draining). The
  // request stays whole until the next header is parsed, after the handler returns.
  Request& request = parser_.request();
  Slot slot;
  slot.head_only = request.method == Method::kHead;
  slot.keep_alive = parser_.keep_alive();
  slot.http10 = parser_.version() == 10;
  if (context_->compression.enabled) {
    const std::string_view accept = request.header("Accept-Encoding");
    if (!accept.empty()) slot.encoding = choose_encoding(accept);
  }
  reset_parser();
  pending_.push_back(std::move(slot));
  const std::uint64_t sequence = head_sequence_ + pending_.size() - 1;
  request.received = request_started_;
  try {
    context_->handler(request, Responder(shared_from_this(), sequence));
  } catch (const std::exception& e) {
    // The Responder was destroyed during unwinding and has already queued a 500.
    spdlog::error("handler threw for {} {}: {}", request.method_text, request.target, e.what());
  }
}

void Connection::arm(Wait wait) {
  wait_ = wait;
  std::chrono::milliseconds after{0};
  switch (wait) {
    case Wait::kFirstRequest:
    case Wait::kHeader:
      after = limits_.header_timeout;
      break;
    case Wait::kBody:
      after = limits_.body_timeout;
      break;
    case Wait::kIdle:
      after = limits_.idle_timeout;
      break;
    case Wait::kDrainGrace:
      after = limits_.drain_idle_grace;
      break;
    case Wait::kLinger:
      after = kLingerTime;
      break;
  }
  set_deadline(phase_timer_, std::chrono::steady_clock::now() + after, &Connection::on_timer);
}

void Connection::set_deadline(LazyTimer& timer, std::chrono::steady_clock::time_point at,
                              Expired expired) {
  timer.deadline = at;
  timer.active = true;
  if (timer.waiting && timer.fires <= at) return;  // it fires first, then re-checks
  wait_for(timer, expired);
}

void Connection::wait_for(LazyTimer& timer, Expired expired) {
  const std::uint64_t generation = ++timer.generation;
  timer.fires = timer.deadline;
  timer.waiting = true;
  timer.timer.expires_at(timer.deadline);
  timer.timer.async_wait(
      [self = shared_from_this(), t = &timer, generation, expired](const beast::error_code& error) {
        if (error || generation != t->generation) return;
        t->waiting = false;
        if (!t->active) return;  // cleared since this wait began
        if (std::chrono::steady_clock::now() < t->deadline) {
          self->wait_for(*t, expired);  // the deadline moved later since this wait began
          return;
        }
        t->active = false;
        ((*self).*expired)();
      });
}

void Connection::on_timer() {
  if (closed_) return;
  if (handshaking_) {
    close();  // no TLS session to answer 408 in
    return;
  }
  switch (wait_) {
    case Wait::kIdle:
    case Wait::kDrainGrace:
      if (quiet()) {
        close();  // a kept-alive connection went quiet: close without a word, like nginx
      } else if (phase_ == Phase::kIdle) {
        arm(wait_);  // answers are still being computed or written
      }
      return;
    case Wait::kFirstRequest:
    case Wait::kHeader:
      reject(408, "timed out waiting for the request header");
      return;
    case Wait::kBody:
      reject(408, "timed out waiting for the request body");
      return;
    case Wait::kLinger:
      close();
      return;
  }
}

void Connection::begin_drain() {
  if (closed_ || draining_) return;
  draining_ = true;
  if (quiet()) arm(Wait::kDrainGrace);
}

// Shuts down our side and reads until the client closes, so that an answer sent while request
// bytes were still unread is not destroyed by a TCP reset (nginx's lingering close).
void Connection::linger_then_close() {
  if (closed_ || lingering_) return;
  if (peer_done_) {
    close();
    return;
  }
  lingering_ = true;
  beast::error_code ignored;
  socket_.shutdown(Socket::shutdown_send, ignored);
  arm(Wait::kLinger);
  if (!reading_) linger_read();
}

void Connection::linger_read() {
  buffer_.clear();
  reading_ = true;
  socket_.async_read_some(
      buffer_.prepare(kReadChunk),
      [self = shared_from_this()](const beast::error_code& error, std::size_t bytes) {
        self->on_read(error, bytes);
      });
}

void Connection::force_close() { close(); }

void Connection::close() {
  if (closed_) return;
  closed_ = true;
  context_->tracker.remove(this);  // closed is gone for stop(), even if a Responder holds us
  closing_ = true;
  beast::error_code ignored;
  phase_timer_.timer.cancel();
  write_timer_.timer.cancel();
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  pending_.clear();
}

}  // namespace hone::http::detail
