#include "support/tls_server.h"

#include <boost/asio/ssl.hpp>
#include <mutex>
#include <thread>
#include <vector>

#include "http/asio.h"

namespace hone::test {
namespace ssl = boost::asio::ssl;
using boost::asio::ip::tcp;

struct TlsServer::Impl {
  boost::asio::io_context io;
  ssl::context context{ssl::context::tls_server};
  tcp::acceptor acceptor{io, tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), 0)};
  std::uint16_t port = acceptor.local_endpoint().port();
  std::atomic<std::int64_t> requests{0};
  std::atomic<bool> stopping{false};
  std::thread accept_thread;
  std::mutex mutex;
  std::vector<std::thread> connections;
  std::vector<std::shared_ptr<tcp::socket>> sockets;

  void serve(std::shared_ptr<tcp::socket> socket) {
    boost::system::error_code error;
    ssl::stream<tcp::socket&> stream(*socket, context);
    stream.handshake(ssl::stream_base::server, error);
    if (error) return;
    std::string buffer;
    char chunk[4096];
    while (!stopping) {
      const std::size_t n = stream.read_some(boost::asio::buffer(chunk), error);
      if (error) return;
      buffer.append(chunk, n);
      std::size_t end = 0;
      while ((end = buffer.find("\r\n\r\n")) != std::string::npos) {
        buffer.erase(0, end + 4);
        ++requests;
        static const std::string kAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        boost::asio::write(stream, boost::asio::buffer(kAnswer), error);
        if (error) return;
      }
    }
  }
};

std::string TlsServer::certificate_path() {
  return std::string(HONE_SOURCE_DIR) + "/tests/support/tls/cert.pem";
}

TlsServer::TlsServer() : impl_(std::make_unique<Impl>()) {
  const std::string folder = std::string(HONE_SOURCE_DIR) + "/tests/support/tls/";
  impl_->context.use_certificate_chain_file(folder + "cert.pem");
  impl_->context.use_private_key_file(folder + "key.pem", ssl::context::pem);
  impl_->accept_thread = std::thread([impl = impl_.get()] {
    while (!impl->stopping) {
      auto socket = std::make_shared<tcp::socket>(impl->io);
      boost::system::error_code error;
      impl->acceptor.accept(*socket, error);
      if (error || impl->stopping) return;
      std::lock_guard lock(impl->mutex);
      impl->sockets.push_back(socket);
      impl->connections.emplace_back([impl, socket] { impl->serve(socket); });
    }
  });
}

TlsServer::~TlsServer() {
  impl_->stopping = true;
  boost::system::error_code ignored;
  {
    // Unblock the accept call, which then sees `stopping`.
    tcp::socket poke(impl_->io);
    poke.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port()), ignored);
    impl_->accept_thread.join();
  }
  impl_->acceptor.close(ignored);
  std::lock_guard lock(impl_->mutex);
  for (auto& socket : impl_->sockets) socket->shutdown(tcp::socket::shutdown_both, ignored);
  for (auto& thread : impl_->connections) thread.join();
}

std::uint16_t TlsServer::port() const { return impl_->port; }
std::int64_t TlsServer::requests() const { return impl_->requests.load(); }

}  // namespace hone::test
