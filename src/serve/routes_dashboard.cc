// /dashboard: the live page and its assets, compiled into the binary (web/, uPlot from npm).
#include "http/compression.h"
#include "http/serialize.h"
#include "serve/serve_state.h"
#include "web/assets.h"

namespace hone::serve {
namespace {

std::string_view content_type(std::string_view name) {
  if (name.ends_with(".html")) return "text/html; charset=utf-8";
  if (name.ends_with(".js")) return "text/javascript; charset=utf-8";
  if (name.ends_with(".css")) return "text/css; charset=utf-8";
  return "application/octet-stream";
}

void send_asset(const http::Request& request, std::string_view name, http::Responder responder) {
  const std::string_view bytes = web::asset(name);
  if (bytes.empty()) {
    responder.send(http::error_response(404, "no dashboard file " + std::string(name)));
    return;
  }
  http::Response response;
  response.content_type = content_type(name);
  response.body = std::string(bytes);
  response.headers.push_back({"Cache-Control", "no-cache"});  // revalidate with the ETag
  // Only its own scripts, styles and data; never inside another site's frame; no type sniffing.
  response.headers.push_back(
      {"Content-Security-Policy",
       "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
       "data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"});
  response.headers.push_back({"X-Content-Type-Options", "nosniff"});
  response.headers.push_back({"X-Frame-Options", "DENY"});
  http::apply_etag(request, response);
  responder.send(std::move(response));
}

}  // namespace

void add_dashboard_routes(Router& router) {
  router.add(http::Method::kGet, "/dashboard",
             [](http::Request& request, const PathParams&, http::Responder responder) {
               send_asset(request, "dashboard.html", std::move(responder));
             });
  router.add(http::Method::kGet, "/dashboard/{file}",
             [](http::Request& request, const PathParams& params, http::Responder responder) {
               send_asset(request, params.get("file"), std::move(responder));
             });
}

}  // namespace hone::serve
