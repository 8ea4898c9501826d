// One client connection of the load generator, plain TCP or TLS, carrying one request at a
// time (HTTP/1.1 keep-alive, no pipelining). Internal to the load area; runs on its worker's
// I/O thread only. Connection objects live as long as their worker and are reconnected in
// place, so completion handlers may hold a plain `this` (a generation number guards against
// completions from an earlier life).
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "http/asio.h"
#include "load/recorder.h"
#include "load/response_parser.h"

namespace hone::load {

namespace asio = boost::asio;

struct Ticket {
  TimePoint intended;
  std::uint32_t endpoint = 0;
  std::int32_t vu = -1;  // closed model: the virtual user; -1 in the open model
  bool retried = false;  // already resent once after a stale kept-alive connection
};

// Failure kind for a request that died on a reused connection before any answer byte: the
// server had closed it while idle. The pool sends such a request once more, as browsers do.
inline constexpr const char* kStaleConnection = "stale";
// Failure kind for a request never written: its idle connection had been spoken on or closed by
// the server (an idle-timeout 408 and close, as some servers send). Whatever it said answers no
// request of ours; the pool sends the request on another connection, counting nothing.
inline constexpr const char* kConnectionGone = "gone";

class ClientConnection;

// Implemented by the pool that owns the connections.
class ConnectionEvents {
 public:
  virtual ~ConnectionEvents() = default;
  virtual void on_connected(ClientConnection& connection, bool ok) = 0;
  virtual void on_answer(ClientConnection& connection, const Ticket& ticket,
                         const ResponseParser& response, TimePoint sent, TimePoint done,
                         std::int64_t bytes_in, std::int64_t bytes_out) = 0;
  virtual void on_failure(ClientConnection& connection, const Ticket& ticket, const char* kind,
                          TimePoint done, std::int64_t bytes_out) = 0;
};

struct Origin {
  std::string host;  // for SNI and certificate checks
  bool tls = false;
  std::vector<http::tcp::endpoint> endpoints;
};

class ClientConnection {
 public:
  virtual ~ClientConnection() = default;
  virtual void connect() = 0;
  // `request` is copied. keep_body: the check needs the body; head: a HEAD request.
  virtual void send(const Ticket& ticket, std::string_view request, bool keep_body, bool head) = 0;
  virtual void close() = 0;
  virtual bool open() const = 0;
};

struct ConnectionSettings {
  std::chrono::nanoseconds timeout;
  bool insecure = false;
};

std::unique_ptr<ClientConnection> make_connection(asio::io_context& io, const Origin& origin,
                                                  asio::ssl::context* tls,
                                                  const ConnectionSettings& settings,
                                                  ConnectionEvents& events);

}  // namespace hone::load
