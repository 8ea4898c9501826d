// A TCP socket listening on 127.0.0.1 on a port the kernel picks, for tests that play a server
// of their own byte by byte (one that never accepts, answers oddly, or drops requests).
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdint>

namespace hone::test {

struct LoopbackListener {
  int fd = -1;
  std::uint16_t port = 0;
};

inline LoopbackListener listen_on_loopback(int backlog) {
  LoopbackListener listener;
  listener.fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(listener.fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::listen(listener.fd, backlog);
  socklen_t length = sizeof address;
  ::getsockname(listener.fd, reinterpret_cast<sockaddr*>(&address), &length);
  listener.port = ntohs(address.sin_port);
  return listener;
}

}  // namespace hone::test
