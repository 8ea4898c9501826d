#include "http/connection.h"

#include <spdlog/spdlog.h>

#include <string_view>

#include "core/strings.h"

namespace hone::http::detail {
namespace {

namespace bhttp = beast::http;

constexpr std::size_t kReadChunk = 16 * 1024;
constexpr std::chrono::seconds kLingerTime{2};

Method to_method(bhttp::verb verb) {
  switch (verb) {
    case bhttp::verb::get:
      return Method::kGet;
    case bhttp::verb::head:
      return Method::kHead;
    case bhttp::verb::post:
      return Method::kPost;
    case bhttp::verb::put:
      return Method::kPut;
    case bhttp::verb::delete_:
      return Method::kDelete;
    case bhttp::verb::patch:
      return Method::kPatch;
    case bhttp::verb::options:
      return Method::kOptions;
    default:
      return Method::kOther;
  }
}

bool method_needs_length(bhttp::verb verb) {
  return verb == bhttp::verb::post || verb == bhttp::verb::put || verb == bhttp::verb::patch;
}

}  // namespace

Connection::Connection(Socket socket, std::shared_ptr<ServerContext> context)
    : socket_(std::move(socket)),
      context_(std::move(context)),
      limits_(context_->limits),
      timer_(socket_.get_executor()),
      write_timer_(socket_.get_executor()) {}

Connection::~Connection() { context_->tracker.remove(this); }

void Connection::start() {
  context_->tracker.add(this, weak_from_this());
  beast::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);
  reset_parser();
  arm(Wait::kFirstRequest);
  read_more();
}

void Connection::reset_parser() {
  parser_.emplace();
  parser_->header_limit(static_cast<std::uint32_t>(limits_.max_header_bytes));
  parser_->body_limit(limits_.max_body_bytes);
  parser_->eager(true);
  phase_ = Phase::kIdle;
  request_line_ok_ = false;
  header_consumed_ = 0;
}

void Connection::read_more() {
  if (reading_ || closing_ || closed_ || pending_.size() >= limits_.max_pipeline) return;
  reading_ = true;
  socket_.async_read_some(
      buffer_.prepare(kReadChunk),
      [self = shared_from_this()](const beast::error_code& error, std::size_t bytes) {
        self->on_read(error, bytes);
      });
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
    if (error == asio::error::eof && !pending_.empty()) {
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
    if (phase_ == Phase::kHeader && !check_header_bounds()) return;
    beast::error_code error;
    const std::size_t used = parser_->put(buffer_.data(), error);
    buffer_.consume(used);
    if (phase_ == Phase::kHeader) header_consumed_ += used;
    if (error == bhttp::error::need_more) return;
    if (error == bhttp::error::header_limit) {
      reject(431, "request header too large (limit " + std::to_string(limits_.max_header_bytes) +
                      " bytes)");
      return;
    }
    if (error == bhttp::error::body_limit) {
      reject(413,
             "request body too large (limit " + std::to_string(limits_.max_body_bytes) + " bytes)");
      return;
    }
    if (error == bhttp::error::bad_version) {
      reject(505, "only HTTP/1.0 and HTTP/1.1 are supported");
      return;
    }
    if (error) {
      reject(400, "malformed HTTP request: " + error.message());
      return;
    }
    if (phase_ == Phase::kHeader && parser_->is_header_done()) {
      if (!on_header_done()) return;
    }
    if (parser_->is_done()) {
      dispatch();
      if (closed_) return;
      if (buffer_.size() == 0 && !closing_) arm(draining_ ? Wait::kDrainGrace : Wait::kIdle);
    } else if (used == 0) {
      return;
    }
  }
}

// Bounds the request line (414) and the whole header (431) before Beast parses them: Beast's
// own header_limit does not catch a header that arrives complete in one read.
bool Connection::check_header_bounds() {
  const std::string_view data(static_cast<const char*>(buffer_.data().data()), buffer_.size());
  if (!request_line_ok_) {
    const auto end = data.find('\n');
    if ((end == std::string_view::npos && data.size() > limits_.max_request_line) ||
        (end != std::string_view::npos && end > limits_.max_request_line)) {
      reject(414, "request line too long (limit " + std::to_string(limits_.max_request_line) +
                      " bytes)");
      return false;
    }
    if (end == std::string_view::npos) return false;
    request_line_ok_ = true;
  }
  // Beast consumes complete header lines as they arrive; count those bytes too.
  std::size_t end = data.find("\r\n\r\n");
  if (end != std::string_view::npos) {
    end += 4;
  } else if (header_consumed_ > 0 && data.substr(0, 2) == "\r\n") {
    end = 2;
  }
  const std::size_t header_size =
      header_consumed_ + (end != std::string_view::npos ? end : data.size());
  if (header_size > limits_.max_header_bytes) {
    reject(431, "request header too large (limit " + std::to_string(limits_.max_header_bytes) +
                    " bytes)");
    return false;
  }
  return true;
}

bool Connection::on_header_done() {
  phase_ = Phase::kBody;
  const auto& message = parser_->get();
  if (message.version() != 10 && message.version() != 11) {
    reject(505, "only HTTP/1.0 and HTTP/1.1 are supported");
    return false;
  }
  if (method_needs_length(message.method()) && !parser_->content_length() && !parser_->chunked()) {
    reject(411, "a request body needs Content-Length or chunked Transfer-Encoding");
    return false;
  }
  const auto expect = message[bhttp::field::expect];
  if (!expect.empty()) {
    if (!iequals(trim(std::string_view(expect.data(), expect.size())), "100-continue")) {
      reject(417, "unsupported Expect header");
      return false;
    }
    if (!parser_->is_done() && buffer_.size() == 0) send_continue();
  }
  if (!parser_->is_done()) arm(Wait::kBody);
  return true;
}

void Connection::dispatch() {
  // The parser is reset before the handler runs, so an answer given at once sees this
  // connection as it is between requests (which decides Connection: close while draining).
  auto message = parser_->release();
  reset_parser();
  Slot slot;
  slot.head_only = message.method() == bhttp::verb::head;
  slot.keep_alive = message.keep_alive();
  slot.http10 = message.version() == 10;
  if (context_->compression.enabled) {
    const auto accept = message[bhttp::field::accept_encoding];
    if (!accept.empty())
      slot.encoding = choose_encoding(std::string_view(accept.data(), accept.size()));
  }
  pending_.push_back(std::move(slot));
  const std::uint64_t sequence = head_sequence_ + pending_.size() - 1;
  first_request_ = false;

  Request request;
  request.method = to_method(message.method());
  request.method_text = std::string(message.method_string());
  request.target = std::string(message.target());
  request.headers.reserve(8);
  for (const auto& field : message) {
    request.headers.push_back(Header{std::string(field.name_string()), std::string(field.value())});
  }
  request.body = std::move(message.body());
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
  const std::uint64_t generation = ++timer_generation_;
  timer_.expires_after(after);
  timer_.async_wait([self = shared_from_this(), generation](const beast::error_code& error) {
    if (!error && generation == self->timer_generation_) self->on_timer();
  });
}

void Connection::on_timer() {
  if (closed_) return;
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
  timer_.cancel();
  write_timer_.cancel();
  socket_.shutdown(Socket::shutdown_both, ignored);
  socket_.close(ignored);
  pending_.clear();
}

}  // namespace hone::http::detail
