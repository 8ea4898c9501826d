#include "serve/host_guard.h"

#include <arpa/inet.h>

#include <algorithm>

#include "core/strings.h"

namespace hone::serve {
namespace {

bool is_ip_literal(std::string_view name) {
  const std::string text(name);
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 ||
         ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

bool is_loopback(const std::string& host) {
  if (iequals(host, "localhost")) return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, host.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  in6_addr v6{};
  return ::inet_pton(AF_INET6, host.c_str(), &v6) == 1 && IN6_IS_ADDR_LOOPBACK(&v6);
}

bool guarded(std::string_view path) {
  for (const std::string_view prefix : {"/api", "/metrics", "/dashboard"}) {
    if (path.starts_with(prefix) && (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return true;
    }
  }
  return false;
}

}  // namespace

HostGuard::HostGuard(const std::string& listen_host, std::vector<std::string> allowed)
    : active_(is_loopback(listen_host) || !allowed.empty()) {
  for (const auto& name : allowed) allowed_.push_back(to_lower(name));
}

std::string_view HostGuard::name_of(std::string_view host_header) {
  host_header = trim(host_header);
  if (host_header.starts_with('[')) {
    const auto end = host_header.find(']');
    return end == std::string_view::npos ? host_header : host_header.substr(1, end - 1);
  }
  const auto colon = host_header.find(':');
  return colon == std::string_view::npos ? host_header : host_header.substr(0, colon);
}

bool HostGuard::allows(std::string_view path, std::string_view host_header) const {
  if (!active_ || !guarded(path)) return true;
  const std::string_view name = name_of(host_header);
  if (name.empty()) return true;  // HTTP/1.0 without Host: no browser sends that
  if (is_ip_literal(name)) return true;
  const std::string lower = to_lower(name);
  if (lower == "localhost" || lower.ends_with(".localhost")) return true;
  return std::find(allowed_.begin(), allowed_.end(), lower) != allowed_.end();
}

}  // namespace hone::serve
