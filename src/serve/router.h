// Maps method + path to a handler. Patterns are '/'-separated segments: a literal, `{param}`,
// or `{param}:suffix` (TF-Serving's "/v1/models/{model}:predict"). Parameters are
// percent-decoded. A path that matches no pattern is 404; one that matches with another method
// is 405 with Allow. HEAD is served by GET routes, OPTIONS answers 204 with Allow. A fallback,
// when set, takes the requests whose path matches no pattern instead of the 404.
// Routes are added before serving starts; handle() is then called from any I/O thread.
#pragma once

#include <array>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "http/message.h"
#include "http/server.h"

namespace hone::serve {

// A matched route's parameters: names point into the route (which outlives every request), the
// first few values are kept inline, so that matching allocates nothing for hone's routes.
class PathParams {
 public:
  void add(std::string_view name, std::string value);
  void clear() { count_ = 0; }
  // Empty when absent.
  const std::string& get(std::string_view name) const;

 private:
  using Item = std::pair<std::string_view, std::string>;
  static constexpr std::size_t kInline = 4;
  const Item& at(std::size_t i) const { return i < kInline ? inline_[i] : more_[i - kInline]; }

  std::array<Item, kInline> inline_;
  std::vector<Item> more_;
  std::size_t count_ = 0;
};

class Router {
 public:
  using Handler =
      std::function<void(http::Request& request, const PathParams& params, http::Responder)>;

  void add(http::Method method, std::string_view pattern, Handler handler);
  // Takes a request no pattern matches; returns false to let it be answered 404.
  using Fallback = std::function<bool(http::Request& request, http::Responder& responder)>;
  void set_fallback(Fallback fallback) { fallback_ = std::move(fallback); }
  void handle(http::Request& request, http::Responder responder) const;

 private:
  struct Segment {
    std::string literal;  // literal text, or the suffix after a parameter
    std::string param;    // non-empty for a parameter segment
  };
  struct Route {
    http::Method method;
    std::vector<Segment> segments;
    Handler handler;
  };

  static bool match(const Route& route, std::span<const std::string_view> parts, PathParams& params,
                    bool& bad_escape);

  std::vector<Route> routes_;
  Fallback fallback_;
};

// Decodes %XX escapes; false on a malformed escape.
bool percent_decode(std::string_view text, std::string& out);

}  // namespace hone::serve
