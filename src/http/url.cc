#include "http/url.h"

#include <charconv>

namespace hone::http {

std::string Url::host_header() const {
  const bool default_port = (tls() && port == 443) || (!tls() && port == 80);
  const std::string name = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return default_port ? name : name + ":" + std::to_string(port);
}

std::string Url::origin() const { return scheme + "://" + host_header(); }

Result<Url> parse_url(std::string_view text) {
  const std::string original(text);
  Url url;
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) {
    return fail("invalid URL '" + original + "': expected http://HOST[:PORT]/PATH");
  }
  url.scheme = std::string(text.substr(0, scheme_end));
  if (url.scheme != "http" && url.scheme != "https") {
    return fail("invalid URL '" + original + "': only http and https are supported");
  }
  text.remove_prefix(scheme_end + 3);
  const auto path_start = text.find('/');
  std::string_view authority = text.substr(0, path_start);
  url.target = path_start == std::string_view::npos ? "/" : std::string(text.substr(path_start));
  if (authority.find('@') != std::string_view::npos) {
    return fail("invalid URL '" + original + "': credentials in URLs are not supported");
  }
  url.port = url.tls() ? 443 : 80;
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return fail("invalid URL '" + original + "': bad IPv6");
    url.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return fail("invalid URL '" + original + "'");
      port_text = authority.substr(close + 2);
    }
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (url.host.empty()) return fail("invalid URL '" + original + "': no host");
  if (!port_text.empty() || (authority.size() > 0 && authority.back() == ':')) {
    unsigned port = 0;
    const auto [end, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535) {
      return fail("invalid URL '" + original + "': bad port '" + std::string(port_text) + "'");
    }
    url.port = static_cast<std::uint16_t>(port);
  }
  return url;
}

Result<Url> resolve_url(const Url& base, std::string_view path) {
  if (path.find("://") != std::string_view::npos) return parse_url(path);
  Url url = base;
  if (path.empty()) return url;
  if (path.front() == '/') {
    url.target = std::string(path);
  } else {
    std::string prefix = base.target.substr(0, base.target.find('?'));
    if (prefix.empty() || prefix.back() != '/') prefix += '/';
    url.target = prefix + std::string(path);
  }
  return url;
}

}  // namespace hone::http
