// One accepted TCP connection: reads and bounds requests, hands them to the Handler, writes the
// answers back in request order, and closes on timeouts, errors or drain.
// Internal to the http area (includes Asio). All members run on the connection's I/O thread;
// only deliver() may be called from elsewhere, and it posts back to that thread.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http/asio.h"
#include "http/connection_tracker.h"
#include "http/request_parser.h"
#include "http/server.h"

namespace hone::http::detail {

// What every connection of one server shares; outlives the server if a Responder does.
struct ServerContext {
  Limits limits;
  CompressionOptions compression;
  Handler handler;
  ConnectionTracker tracker;
  std::unique_ptr<asio::ssl::context> tls;  // HTTPS when set
};

class Connection : public ResponseSink, public std::enable_shared_from_this<Connection> {
 public:
  Connection(Socket socket, std::shared_ptr<ServerContext> context);
  ~Connection() override;

  void start();
  void deliver(std::uint64_t sequence, Response response) override;
  void begin_drain();
  void force_close();
  IoExecutor executor() { return socket_.get_executor(); }

 private:
  enum class Phase { kIdle, kHeader, kBody };
  enum class Wait { kFirstRequest, kIdle, kHeader, kBody, kDrainGrace, kLinger };

  // A request that was dispatched and waits for its answer, in arrival order.
  struct Slot {
    std::string bytes;
    bool ready = false;
    bool close = false;
    bool head_only = false;
    bool keep_alive = true;
    bool http10 = false;
    Encoding encoding = kIdentity;  // what the client accepts, for compressing the answer
    std::chrono::steady_clock::time_point received;
    std::shared_ptr<WriteObserver> on_written;
  };

  void reset_parser();
  void on_handshake(const beast::error_code& error);
  template <typename Buffers, typename Done>
  void write(const Buffers& buffers, Done done);
  void read_more();
  void on_read(const beast::error_code& error, std::size_t bytes);
  void process_buffer();
  bool on_header_done();
  void dispatch();
  void complete(std::uint64_t sequence, Response response);
  void reject(int status, std::string_view message);
  void write_ready();
  void on_write(const beast::error_code& error, std::size_t slots);
  void send_continue();
  void arm(Wait wait);
  void on_timer();
  void on_write_timeout();
  void linger_then_close();
  void linger_read();
  void close();
  bool quiet() const { return phase_ == Phase::kIdle && pending_.empty() && !writing_; }

  Socket socket_;
  // With HTTPS, reads and writes go through TLS over socket_; shutdown and lingering use the
  // socket itself.
  std::unique_ptr<asio::ssl::stream<Socket&>> tls_;
  std::shared_ptr<ServerContext> context_;
  const Limits& limits_;
  beast::flat_buffer buffer_;
  RequestParser parser_;
  // A deadline whose timer is moved only when the deadline comes earlier than the timer would
  // fire; a later deadline waits for it to fire and is re-checked then, and a cleared one lets it
  // fire and end. So busy traffic does not re-arm (or cancel) a timerfd per request.
  struct LazyTimer {
    explicit LazyTimer(IoExecutor executor) : timer(executor) {}
    Timer timer;
    std::chrono::steady_clock::time_point deadline;
    std::chrono::steady_clock::time_point fires;  // when the pending wait ends
    bool waiting = false;
    bool active = false;  // a deadline is set
    std::uint64_t generation = 0;
  };
  using Expired = void (Connection::*)();
  void set_deadline(LazyTimer& timer, std::chrono::steady_clock::time_point at, Expired expired);
  void wait_for(LazyTimer& timer, Expired expired);

  // One deadline for the phase the connection waits in (header, body, idle, drain, linger) and
  // one for the answer being written.
  LazyTimer phase_timer_;
  LazyTimer write_timer_;
  Wait wait_ = Wait::kFirstRequest;
  Phase phase_ = Phase::kIdle;
  std::chrono::steady_clock::time_point request_started_;  // first byte of the current request
  bool reading_ = false;
  bool writing_ = false;
  bool peer_done_ = false;  // client half-closed: answer what was asked, then close
  bool closing_ = false;    // read no more requests; close once the queue is written
  bool draining_ = false;
  bool closed_ = false;
  bool lingering_ = false;
  bool handshaking_ = false;  // TLS: nothing may be written before the handshake ends
  std::deque<Slot> pending_;
  std::string spare_bytes_;          // a written answer's buffer, reused by the next answer
  std::uint64_t head_sequence_ = 0;  // sequence number of pending_.front()
  std::vector<asio::const_buffer> write_buffers_;
};

}  // namespace hone::http::detail
