#include "http/server.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "http/asio.h"
#include "http/connection.h"
#include "http/serialize.h"

namespace hone::http {

Responder::~Responder() {
  if (sink_) {
    sink_->deliver(sequence_, error_response(500, "the request was dropped without an answer"));
  }
}

void Responder::send(Response response) {
  if (!sink_) return;
  auto sink = std::move(sink_);
  sink->deliver(sequence_, std::move(response));
}

namespace {

// The server's TLS settings: TLS 1.2 and later, the certificate chain and key (checked to match),
// and, with a client CA, a certificate required from every client.
Result<std::unique_ptr<asio::ssl::context>> make_tls_context(const TlsOptions& options) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
  beast::error_code error;
  context->use_certificate_chain_file(options.cert_file, error);
  if (error) {
    return fail("cannot use the TLS certificate " + options.cert_file + ": " + error.message());
  }
  if (options.key_file.empty()) return fail("a TLS certificate needs its private key (--tls-key)");
  context->use_private_key_file(options.key_file, asio::ssl::context::pem, error);
  if (error) return fail("cannot use the TLS key " + options.key_file + ": " + error.message());
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    return fail("the TLS key " + options.key_file + " does not match the certificate " +
                options.cert_file);
  }
  if (!options.client_ca_file.empty()) {
    context->load_verify_file(options.client_ca_file, error);
    if (error) {
      return fail("cannot use the client CA " + options.client_ca_file + ": " + error.message());
    }
    context->set_verify_mode(asio::ssl::verify_peer | asio::ssl::verify_fail_if_no_peer_cert);
  }
  return context;
}

struct Worker {
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  std::thread thread;
};

}  // namespace

class Server::Impl {
 public:
  Impl(ServerOptions options, Handler handler) : options_(std::move(options)) {
    context_ = std::make_shared<detail::ServerContext>();
    context_->limits = options_.limits;
    context_->compression = options_.compression;
    context_->handler = std::move(handler);
    int threads = options_.threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    for (int i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
    acceptor_.emplace(workers_.front()->io);
    accept_pause_.emplace(workers_.front()->io);
  }

  ~Impl() { stop(std::chrono::milliseconds(0)); }

  Status start() {
    if (options_.tls.enabled()) {
      auto tls = make_tls_context(options_.tls);
      if (!tls) return tls.error();
      context_->tls = std::move(*tls);
    }
    beast::error_code error;
    auto address = asio::ip::make_address(options_.host, error);
    if (error) {
      // A name (localhost, this machine's name): listen on the first address it resolves to,
      // IPv4 first (clients that resolve a name to both try either).
      tcp::resolver resolver(workers_.front()->io);
      const auto found = resolver.resolve(options_.host, std::to_string(options_.port),
                                          tcp::resolver::passive, error);
      if (error || found.empty())
        return fail("cannot resolve listen address '" + options_.host +
                    "': " + (error ? error.message() : std::string("no address")));
      address = found.begin()->endpoint().address();
      for (const auto& entry : found) {
        if (entry.endpoint().address().is_v4()) {
          address = entry.endpoint().address();
          break;
        }
      }
    }
    const tcp::endpoint endpoint(address, options_.port);
    const std::string where = options_.host + ":" + std::to_string(options_.port);
    acceptor_->open(endpoint.protocol(), error);
    if (!error) acceptor_->set_option(asio::socket_base::reuse_address(true), error);
    if (!error && options_.reuse_port) {
      acceptor_->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>(true),
                            error);
    }
    if (!error) acceptor_->bind(endpoint, error);
    if (!error) acceptor_->listen(asio::socket_base::max_listen_connections, error);
    if (error) return fail("cannot listen on " + where + ": " + error.message());
    port_ = acceptor_->local_endpoint().port();
    context_->tracker.bound(options_.limits.max_connections, [this] {
      asio::post(workers_.front()->io, [this] {
        if (acceptor_->is_open()) accept_next();
      });
    });
    accept_next();
    for (auto& worker : workers_) {
      worker->thread = std::thread([&io = worker->io] { io.run(); });
    }
    running_ = true;
    return {};
  }

  void stop(std::chrono::milliseconds drain_deadline) {
    std::lock_guard lock(stop_mutex_);
    if (!running_) return;
    running_ = false;
    const auto deadline = std::chrono::steady_clock::now() + drain_deadline;
    context_->tracker.bound(options_.limits.max_connections, nullptr);  // no resume from here
    std::promise<void> closed;
    asio::post(workers_.front()->io, [this, &closed] {
      beast::error_code ignored;
      accept_backlog();
      acceptor_->close(ignored);
      accept_pause_->cancel();
      closed.set_value();
    });
    closed.get_future().wait();
    for_each_connection([](detail::Connection& c) { c.begin_drain(); });
    if (!context_->tracker.wait_empty(deadline)) {
      spdlog::warn("drain deadline reached with {} connection(s) open; closing them",
                   context_->tracker.size());
      for_each_connection([](detail::Connection& c) { c.force_close(); });
      context_->tracker.wait_empty(std::chrono::steady_clock::now() + std::chrono::seconds(1));
    }
    for (auto& worker : workers_) {
      worker->guard.reset();
      worker->io.stop();
    }
    for (auto& worker : workers_) {
      if (worker->thread.joinable()) worker->thread.join();
    }
  }

  std::uint16_t port() const { return port_; }
  int threads() const { return static_cast<int>(workers_.size()); }
  std::size_t open_connections() const { return context_->tracker.size(); }

 private:
  template <typename Action>
  void for_each_connection(Action action) {
    for (auto& connection : context_->tracker.snapshot()) {
      auto* raw = connection.get();
      asio::dispatch(raw->executor(),
                     [connection = std::move(connection), action]() { action(*connection); });
    }
  }

  void accept_next() {
    Worker& target = *workers_[next_worker_++ % workers_.size()];
    acceptor_->async_accept(target.io.get_executor(),
                            [this](const beast::error_code& error, Socket socket) {
                              if (error == asio::error::operation_aborted || !acceptor_->is_open())
                                return;
                              if (error) {
                                accept_failed(error);
                                return;
                              }
                              if (launch(std::move(socket), false)) {
                                accept_next();
                              } else {
                                at_connection_bound();
                              }
                            });
  }

  // Starts a connection on its worker's thread, draining from the start when the server stops;
  // false when the connection bound is reached.
  bool launch(Socket socket, bool draining) {
    auto connection = std::make_shared<detail::Connection>(std::move(socket), context_);
    const bool room = context_->tracker.add(connection.get(), connection);
    auto executor = connection->executor();
    asio::dispatch(executor, [connection = std::move(connection), draining] {
      connection->start();
      if (draining) connection->begin_drain();
    });
    return room;
  }

  // Connections the kernel has completed but the server has not accepted (the listen backlog)
  // would be reset when the listener closes, their requests lost. At stop they are accepted, past
  // the connection bound, and drained from the start: each request already sent is answered,
  // with Connection: close.
  void accept_backlog() {
    beast::error_code error;
    acceptor_->non_blocking(true, error);
    while (!error) {
      Worker& target = *workers_[next_worker_++ % workers_.size()];
      Socket socket(target.io);
      acceptor_->accept(socket, error);
      if (error) break;
      launch(std::move(socket), true);
    }
  }

  // At --max-connections, new clients wait in the listen backlog until a connection closes (the
  // tracker's resume accepts again); logged at most once a second.
  void at_connection_bound() {
    const auto now = std::chrono::steady_clock::now();
    if (now - last_bound_warning_ >= std::chrono::seconds(1)) {
      spdlog::warn("{} connections open, the bound (--max-connections): new connections wait",
                   options_.limits.max_connections);
      last_bound_warning_ = now;
    }
  }

  // Out of file descriptors or memory, accept fails at once for as long as it lasts: pause new
  // connections for a moment (as nginx does) instead of spinning, keep serving the open ones, and
  // log at most once a second.
  void accept_failed(const beast::error_code& error) {
    ++accept_failures_;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_accept_warning_ >= std::chrono::seconds(1)) {
      spdlog::warn("accept failed: {} ({} time(s) since the last warning); new connections wait",
                   error.message(), accept_failures_);
      accept_failures_ = 0;
      last_accept_warning_ = now;
    }
    accept_pause_->expires_after(kAcceptPause);
    accept_pause_->async_wait([this](const beast::error_code& waited) {
      if (!waited && acceptor_->is_open()) accept_next();
    });
  }

  ServerOptions options_;
  std::shared_ptr<detail::ServerContext> context_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::optional<tcp::acceptor> acceptor_;
  static constexpr std::chrono::milliseconds kAcceptPause{100};
  std::optional<asio::steady_timer> accept_pause_;  // on the acceptor's thread
  std::int64_t accept_failures_ = 0;
  std::chrono::steady_clock::time_point last_accept_warning_{};
  std::chrono::steady_clock::time_point last_bound_warning_{};
  std::size_t next_worker_ = 0;
  std::uint16_t port_ = 0;
  std::mutex stop_mutex_;
  bool running_ = false;
};

Server::Server(ServerOptions options, Handler handler)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler))) {}

Server::~Server() = default;

Status Server::start() { return impl_->start(); }
std::uint16_t Server::port() const { return impl_->port(); }
int Server::threads() const { return impl_->threads(); }
void Server::stop(std::chrono::milliseconds drain_deadline) { impl_->stop(drain_deadline); }
std::size_t Server::open_connections() const { return impl_->open_connections(); }

}  // namespace hone::http
