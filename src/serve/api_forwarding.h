// The rules of forwarding a request to a json upstream as it is: which requests are predictions
// (cached and coalesced), proxied unchanged or refused; which headers travel each way; which
// answers may be cached; and the bytes of a prediction's cache key.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/client.h"
#include "http/message.h"
#include "model/model_config.h"
#include "serve/stored_answer.h"

namespace hone::serve {

enum class ApiAction { kPredict, kProxy, kRefuse };

// The first route whose method and path match `path` (the upstream's path, after the mount)
// decides; without one, POST requests with a JSON content type are predictions and everything
// else is proxied.
ApiAction classify(const std::vector<model::ApiRoute>& routes, const http::Request& request,
                   std::string_view path);

// application/json, or any type/subtype+json, with or without parameters.
bool is_json_type(std::string_view content_type);

// The client's headers as they go upstream: without hop-by-hop headers, Host and Content-Length
// (the client sets its own). A prediction also goes without Accept-Encoding, so that what is
// cached is the plain answer (hone compresses it for each client).
std::vector<http::Header> upstream_headers(const http::Request& request, bool prediction);

// The upstream's answer as the client gets it: its status, content type, end-to-end headers and
// body.
StoredAnswer client_answer(http::ClientResponse&& upstream);

// A 200 that says nothing against being kept: no Set-Cookie, no Cache-Control no-store,
// no-cache or private.
bool cacheable(const StoredAnswer& answer);

// What a prediction is keyed by: the upstream (name and fingerprint), the method, the target
// (path and query), the values of `key_headers` and the body's canonical JSON.
std::string api_key_bytes(const std::string& name, const std::string& fingerprint,
                          const http::Request& request, std::string_view target,
                          const std::vector<std::string>& key_headers,
                          std::string_view canonical_body);

}  // namespace hone::serve
