// The DNS-rebinding guard of a server on loopback: a web page whose name an attacker re-points at
// 127.0.0.1 can make a browser send requests to hone, but its Host header still carries the
// attacker's name. So on a loopback listener the monitoring and admin paths (/api, /metrics,
// /dashboard) answer only a Host that is an IP address, `localhost` (or a name under it), or a
// name allowed by configuration (--allowed-host). Elsewhere the guard is off unless names are
// configured, and then it holds on any listener.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hone::serve {

class HostGuard {
 public:
  HostGuard(const std::string& listen_host, std::vector<std::string> allowed);

  bool active() const { return active_; }
  // Whether a request to `path` with this Host header may be answered.
  bool allows(std::string_view path, std::string_view host_header) const;

  // The host name of a Host header value, without the port or an IPv6 literal's brackets.
  static std::string_view name_of(std::string_view host_header);

 private:
  bool active_ = false;
  std::vector<std::string> allowed_;  // lower case
};

}  // namespace hone::serve
