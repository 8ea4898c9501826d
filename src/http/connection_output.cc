// The output half of a connection: answers completed in any order are written in request
// order, several at a time; error answers close the connection after a lingering read.
#include <spdlog/spdlog.h>

#include <span>
#include <string_view>

#include "http/connection.h"
#include "http/serialize.h"

namespace hone::http::detail {
namespace {
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
// A written answer's buffer up to this size is kept for the next answer on the connection.
constexpr std::size_t kSpareBytes = 4096;
}  // namespace

void Connection::deliver(std::uint64_t sequence, Response response) {
  if (socket_.get_executor().running_in_this_thread()) {
    complete(sequence, std::move(response));
    return;
  }
  asio::post(socket_.get_executor(),
             [self = shared_from_this(), sequence, response = std::move(response)]() mutable {
               self->complete(sequence, std::move(response));
             });
}

void Connection::complete(std::uint64_t sequence, Response response) {
  if (closed_ || sequence < head_sequence_ || sequence - head_sequence_ >= pending_.size()) {
    return;  // the connection went away, or the request was dropped behind a closing answer
  }
  const std::size_t index = sequence - head_sequence_;
  Slot& slot = pending_[index];
  if (slot.ready) return;
  // While draining, the last request of a connection with nothing more to read says goodbye.
  const bool last_in_drain =
      draining_ && index + 1 == pending_.size() && phase_ == Phase::kIdle && buffer_.size() == 0;
  compress_response(response, slot.encoding, context_->compression);
  WireOptions wire;
  wire.head_only = slot.head_only;
  wire.close = response.close || !slot.keep_alive || last_in_drain;
  wire.http10_keep_alive = slot.http10 && !wire.close;
  slot.bytes = std::move(spare_bytes_);  // an earlier answer's buffer, when it was small
  slot.bytes.clear();
  serialize_response(response, wire, slot.bytes);
  slot.ready = true;
  slot.close = wire.close;
  slot.on_written = std::move(response.on_written);
  write_ready();
}

// Queues an error answer behind any earlier ones, then closes: the stream cannot be trusted.
void Connection::reject(int status, std::string_view message) {
  closing_ = true;
  Slot slot;
  WireOptions wire;
  wire.close = true;
  serialize_response(error_response(status, message), wire, slot.bytes);
  slot.ready = true;
  slot.close = true;
  pending_.push_back(std::move(slot));
  write_ready();
}

template <typename Buffers, typename Done>
void Connection::write(const Buffers& buffers, Done done) {
  if (tls_) {
    asio::async_write(*tls_, buffers, std::move(done));
  } else {
    asio::async_write(socket_, buffers, std::move(done));
  }
}

void Connection::send_continue() {
  if (!pending_.empty() || writing_) return;  // an interim answer must not jump the queue
  writing_ = true;
  write(asio::buffer(kContinue.data(), kContinue.size()),
        [self = shared_from_this()](const beast::error_code& error, std::size_t) {
          self->on_write(error, 0);
        });
}

void Connection::write_ready() {
  if (writing_ || closed_) return;
  write_buffers_.clear();
  std::size_t count = 0;
  for (const Slot& slot : pending_) {
    if (!slot.ready) break;
    write_buffers_.push_back(asio::buffer(slot.bytes));
    ++count;
    if (slot.close) break;
  }
  if (count == 0) {
    if (pending_.empty() && closing_) linger_then_close();
    return;
  }
  writing_ = true;
  set_deadline(write_timer_, std::chrono::steady_clock::now() + limits_.write_timeout,
               &Connection::on_write_timeout);
  // A span, not the vector: Asio copies the sequence it is given into the operation.
  write(std::span<const asio::const_buffer>(write_buffers_),
        [self = shared_from_this(), count](const beast::error_code& error, std::size_t) {
          self->on_write(error, count);
        });
}

void Connection::on_write(const beast::error_code& error, std::size_t slots) {
  writing_ = false;
  write_timer_.active = false;  // its wait, if any, fires later and ends
  if (closed_) return;
  if (error) {
    close();
    return;
  }
  bool closed_by_answer = false;
  for (std::size_t i = 0; i < slots; ++i) {
    closed_by_answer = pending_.front().close;
    if (pending_.front().bytes.capacity() <= kSpareBytes) {
      spare_bytes_ = std::move(pending_.front().bytes);
    }
    auto written = std::move(pending_.front().on_written);
    pending_.pop_front();
    ++head_sequence_;
    if (written) written->written();
  }
  if (closed_by_answer) {
    closing_ = true;
    linger_then_close();
    return;
  }
  if (!pending_.empty() && pending_.front().ready) {
    write_ready();
    return;
  }
  if (closing_ && pending_.empty()) {
    linger_then_close();
    return;
  }
  if (quiet() && draining_) arm(Wait::kDrainGrace);
  process_buffer();  // pipelined requests may have waited for room in the queue
  read_more();
}

void Connection::on_write_timeout() {
  spdlog::debug("closing a connection whose client stopped reading");
  close();
}

}  // namespace hone::http::detail
