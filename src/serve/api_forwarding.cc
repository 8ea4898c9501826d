#include "serve/api_forwarding.h"

#include <array>

#include "core/strings.h"

namespace hone::serve {
namespace {

bool listed(std::string_view name, std::initializer_list<std::string_view> names) {
  for (const auto candidate : names) {
    if (iequals(name, candidate)) return true;
  }
  return false;
}

// RFC 9110 section 7.6.1, and the framing headers each side sets for itself.
bool hop_by_hop(std::string_view name) {
  return listed(name, {"Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer",
                       "Transfer-Encoding", "Upgrade", "Content-Length"});
}

bool route_matches(const model::ApiRoute& route, const http::Request& request,
                   std::string_view path) {
  if (!route.method.empty() && route.method != request.method_text) return false;
  if (!route.path.empty() && route.path.back() == '*') {
    return starts_with(path, std::string_view(route.path).substr(0, route.path.size() - 1));
  }
  return path == route.path;
}

}  // namespace

ApiAction classify(const std::vector<model::ApiRoute>& routes, const http::Request& request,
                   std::string_view path) {
  for (const auto& route : routes) {
    if (!route_matches(route, request, path)) continue;
    if (route.action == "predict") return ApiAction::kPredict;
    if (route.action == "refuse") return ApiAction::kRefuse;
    return ApiAction::kProxy;
  }
  const bool json_post =
      request.method == http::Method::kPost && is_json_type(request.header("Content-Type"));
  return json_post ? ApiAction::kPredict : ApiAction::kProxy;
}

bool is_json_type(std::string_view content_type) {
  const std::string type = to_lower(trim(content_type.substr(0, content_type.find(';'))));
  if (type == "application/json") return true;
  const auto slash = type.find('/');
  return slash != std::string::npos && type.size() > 5 &&
         type.compare(type.size() - 5, 5, "+json") == 0;
}

std::vector<http::Header> upstream_headers(const http::Request& request, bool prediction) {
  std::vector<http::Header> out;
  out.reserve(request.headers.size());
  for (const auto& header : request.headers) {
    if (hop_by_hop(header.name) || listed(header.name, {"Host", "Expect"})) continue;
    if (prediction && iequals(header.name, "Accept-Encoding")) continue;
    out.push_back(header);
  }
  return out;
}

StoredAnswer client_answer(http::ClientResponse&& upstream) {
  StoredAnswer answer;
  answer.status = upstream.status;
  for (auto& header : upstream.headers) {
    if (iequals(header.name, "Content-Type")) {
      answer.content_type = std::move(header.value);
      continue;
    }
    // The server writes its own Date and Server.
    if (hop_by_hop(header.name) || listed(header.name, {"Date", "Server"})) continue;
    answer.headers.push_back(std::move(header));
  }
  answer.body = std::move(upstream.body);
  return answer;
}

bool cacheable(const StoredAnswer& answer) {
  if (answer.status != 200) return false;
  for (const auto& header : answer.headers) {
    if (iequals(header.name, "Set-Cookie")) return false;
    if (iequals(header.name, "Cache-Control")) {
      const std::string value = to_lower(header.value);
      for (const char* word : {"no-store", "no-cache", "private"}) {
        if (value.find(word) != std::string::npos) return false;
      }
    }
  }
  return true;
}

std::string api_key_bytes(const std::string& name, const std::string& fingerprint,
                          const http::Request& request, std::string_view target,
                          const std::vector<std::string>& key_headers,
                          std::string_view canonical_body) {
  std::string bytes;
  bytes.reserve(name.size() + fingerprint.size() + target.size() + canonical_body.size() + 64);
  const auto field = [&bytes](std::string_view text) {
    bytes.append(text);
    bytes.push_back('\0');
  };
  field("json");
  field(name);
  field(fingerprint);
  field(request.method_text);
  field(target);
  for (const auto& header : key_headers) {
    // Every value of a repeated header, in order; a missing header differs from an empty one.
    bool present = false;
    for (const auto& sent : request.headers) {
      if (!iequals(sent.name, header)) continue;
      present = true;
      field(sent.value);
    }
    bytes.push_back(present ? '\1' : '\2');
  }
  bytes.append(canonical_body);
  return bytes;
}

}  // namespace hone::serve
