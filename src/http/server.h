// HTTP/1.1 server: one Asio event loop per I/O thread, keep-alive, pipelined requests answered
// in order, every input bounded by Limits, graceful drain on stop().
//
// Threading: the Handler runs on the I/O thread that owns the connection. It must not block;
// it answers through the Responder exactly once, from any thread (the answer is posted back to
// the connection's loop). A Responder dropped without an answer sends 500, so a forgotten
// request can never hang a client. Every Responder must be answered or dropped before the
// Server is destroyed (a component that keeps Responders, such as a batcher, is stopped first).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "http/compression.h"
#include "http/limits.h"
#include "http/message.h"

namespace hone::http {

// Where a Responder delivers its answer; implemented by the connection.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  virtual void deliver(std::uint64_t sequence, Response response) = 0;
};

class Responder {
 public:
  Responder(std::shared_ptr<ResponseSink> sink, std::uint64_t sequence)
      : sink_(std::move(sink)), sequence_(sequence) {}
  Responder(Responder&&) noexcept = default;
  Responder& operator=(Responder&&) noexcept = default;
  Responder(const Responder&) = delete;
  Responder& operator=(const Responder&) = delete;
  ~Responder();

  void send(Response response);
  bool pending() const { return sink_ != nullptr; }

 private:
  std::shared_ptr<ResponseSink> sink_;
  std::uint64_t sequence_ = 0;
};

using Handler = std::function<void(Request& request, Responder responder)>;

// HTTPS: a PEM certificate chain and its private key; with a client CA, every client must
// present a certificate it signed (mutual TLS). TLS 1.2 and 1.3 only.
struct TlsOptions {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  bool enabled() const { return !cert_file.empty(); }
};

struct ServerOptions {
  std::string host = "127.0.0.1";
  TlsOptions tls;
  CompressionOptions compression;
  std::uint16_t port = 8000;  // 0 picks a free port; see Server::port()
  int threads = 0;            // 0 = number of cores
  // SO_REUSEPORT: several processes listen on one port, the kernel spreading new connections
  // among them (for a restart without downtime, or one process per core).
  bool reuse_port = false;
  Limits limits;
};

class Server {
 public:
  Server(ServerOptions options, Handler handler);
  ~Server();  // stops with a zero drain deadline if still running
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds and starts the I/O threads. Fails (without throwing) when the address is unusable.
  Status start();
  std::uint16_t port() const;
  int threads() const;

  // Stops accepting, lets in-flight requests finish (each answered with Connection: close),
  // closes connections that stay idle, and force-closes what remains at the deadline.
  // Blocks until every I/O thread has exited. Safe to call more than once, from any thread
  // except an I/O thread.
  void stop(std::chrono::milliseconds drain_deadline);

  std::size_t open_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace hone::http
