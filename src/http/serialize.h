// Turns a Response into the bytes of an HTTP/1.1 response (status line, headers, body).
#pragma once

#include <string>

#include "http/message.h"

namespace hone::http {

struct WireOptions {
  bool head_only = false;          // HEAD: headers with the body's Content-Length, no body
  bool close = false;              // add Connection: close
  bool http10_keep_alive = false;  // HTTP/1.0 client that asked to keep the connection
};

void serialize_response(const Response& response, const WireOptions& options, std::string& out);

// Whether an answer with this status carries a body (and so a Content-Type): not 1xx, 204, 304.
bool status_has_body(int status);

// {"error":"message"} with the given status; the error shape used by every hone API.
Response error_response(int status, std::string_view message);

}  // namespace hone::http
