#include "serve/router.h"

#include "core/strings.h"
#include "http/serialize.h"

namespace hone::serve {
namespace {

// The path's '/'-separated parts into `out` (cleared first, capacity kept).
void path_parts(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  for (;;) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return;
    path.remove_prefix(slash + 1);
  }
}

}  // namespace

void PathParams::add(std::string_view name, std::string value) {
  if (count_ < kInline) {
    inline_[count_] = {name, std::move(value)};
  } else {
    more_.resize(count_ - kInline);
    more_.emplace_back(name, std::move(value));
  }
  ++count_;
}

const std::string& PathParams::get(std::string_view name) const {
  static const std::string kEmpty;
  for (std::size_t i = 0; i < count_; ++i) {
    if (at(i).first == name) return at(i).second;
  }
  return kEmpty;
}

bool percent_decode(std::string_view text, std::string& out) {
  out.clear();
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return false;
    const int high = hex_digit(text[i + 1]);
    const int low = hex_digit(text[i + 2]);
    if (high < 0 || low < 0) return false;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return true;
}

void Router::add(http::Method method, std::string_view pattern, Handler handler) {
  Route route{method, {}, std::move(handler)};
  std::vector<std::string_view> parts;
  path_parts(pattern, parts);
  for (const auto part : parts) {
    Segment segment;
    if (!part.empty() && part.front() == '{') {
      const auto close = part.find('}');
      segment.param = std::string(part.substr(1, close - 1));
      segment.literal = std::string(part.substr(close + 1));
    } else {
      segment.literal = std::string(part);
    }
    route.segments.push_back(std::move(segment));
  }
  routes_.push_back(std::move(route));
}

bool Router::match(const Route& route, std::span<const std::string_view> parts, PathParams& params,
                   bool& bad_escape) {
  if (parts.size() != route.segments.size()) return false;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const Segment& segment = route.segments[i];
    std::string_view part = parts[i];
    if (segment.param.empty()) {
      if (part != segment.literal) return false;
      continue;
    }
    if (part.size() <= segment.literal.size() ||
        part.substr(part.size() - segment.literal.size()) != segment.literal) {
      return false;
    }
    part.remove_suffix(segment.literal.size());
    std::string value;
    if (!percent_decode(part, value)) {
      bad_escape = true;
      return false;
    }
    params.add(segment.param, std::move(value));
  }
  return true;
}

void Router::handle(http::Request& request, http::Responder responder) const {
  // Each I/O thread keeps its parts' capacity; they are read only before a handler runs.
  thread_local std::vector<std::string_view> parts;
  path_parts(request.path(), parts);
  const http::Method wanted =
      request.method == http::Method::kHead ? http::Method::kGet : request.method;
  std::string allow;
  PathParams params;
  for (const Route& route : routes_) {
    params.clear();
    bool bad_escape = false;
    if (!match(route, parts, params, bad_escape)) {
      if (bad_escape) {
        responder.send(http::error_response(400, "malformed %-escape in the path"));
        return;
      }
      continue;
    }
    if (route.method == wanted) {
      route.handler(request, params, std::move(responder));
      return;
    }
    if (!allow.empty()) allow += ", ";
    allow += http::method_name(route.method);
    if (route.method == http::Method::kGet) allow += ", HEAD";
  }
  if (allow.empty()) {
    if (fallback_ && fallback_(request, responder)) return;
    responder.send(http::error_response(404, "no route for " + std::string(request.path())));
    return;
  }
  if (request.method == http::Method::kOptions) {
    http::Response response;
    response.status = 204;
    response.headers.push_back({"Allow", allow + ", OPTIONS"});
    responder.send(std::move(response));
    return;
  }
  auto response = http::error_response(
      405, "method " + request.method_text + " is not allowed on " + std::string(request.path()));
  response.headers.push_back({"Allow", allow});
  responder.send(std::move(response));
}

}  // namespace hone::serve
