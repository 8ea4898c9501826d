#include "support/tls_client.h"

#include <boost/asio/ssl.hpp>

#include "http/asio.h"

namespace hone::test {

Result<std::string> tls_exchange(std::uint16_t port, const std::string& request,
                                 const TlsClientOptions& options) {
  namespace ssl = boost::asio::ssl;
  using boost::asio::ip::tcp;
  boost::asio::io_context io;
  ssl::context context(ssl::context::tls_client);
  boost::system::error_code error;
  if (!options.ca_file.empty()) {
    context.load_verify_file(options.ca_file, error);
    if (error) return fail("CA file: " + error.message());
    context.set_verify_mode(ssl::verify_peer);
  }
  if (!options.cert_file.empty()) {
    context.use_certificate_chain_file(options.cert_file, error);
    if (!error) context.use_private_key_file(options.key_file, ssl::context::pem, error);
    if (error) return fail("client certificate: " + error.message());
  }
  tcp::socket socket(io);
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), error);
  if (error) return fail("connect: " + error.message());
  ssl::stream<tcp::socket&> stream(socket, context);
  stream.handshake(ssl::stream_base::client, error);
  if (error) return fail("handshake: " + error.message());
  boost::asio::write(stream, boost::asio::buffer(request), error);
  if (error) return fail("write: " + error.message());
  std::string answer;
  char chunk[4096];
  for (;;) {
    const std::size_t n = stream.read_some(boost::asio::buffer(chunk), error);
    answer.append(chunk, n);
    if (error) break;  // the server closed (Connection: close), with or without close_notify
  }
  if (answer.empty()) return fail("read: " + error.message());
  return answer;
}

}  // namespace hone::test
