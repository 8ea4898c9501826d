#include "http/serialize.h"

#include <charconv>
#include <ctime>

#include "core/json_writer.h"

namespace hone::http {
namespace {

// The Date header changes once a second; format it once per second per thread.
std::string_view http_date() {
  thread_local std::time_t cached_second = 0;
  thread_local char buffer[64];
  thread_local std::size_t length = 0;
  const std::time_t now = std::time(nullptr);
  if (now != cached_second) {
    std::tm parts{};
    gmtime_r(&now, &parts);
    length = std::strftime(buffer, sizeof buffer, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    cached_second = now;
  }
  return {buffer, length};
}

void append_number(std::string& out, std::size_t number) {
  char digits[24];
  const auto [end, ec] = std::to_chars(digits, digits + sizeof digits, number);
  out.append(digits, end);
}

}  // namespace

bool status_has_body(int status) { return status >= 200 && status != 204 && status != 304; }

void serialize_response(const Response& response, const WireOptions& options, std::string& out) {
  // One allocation at most: the status line and hone's own headers fit in 160 bytes.
  std::size_t size = 160 + response.content_type.size() + response.body.size();
  for (const auto& header : response.headers) size += header.name.size() + header.value.size() + 4;
  out.reserve(out.size() + size);
  out.append("HTTP/1.1 ");
  append_number(out, static_cast<std::size_t>(response.status));
  out.push_back(' ');
  out.append(reason_phrase(response.status));
  out.append("\r\nServer: hone\r\nDate: ");
  out.append(http_date());
  out.append("\r\n");
  const bool has_body = status_has_body(response.status);
  if (has_body && !response.content_type.empty()) {
    out.append("Content-Type: ");
    out.append(response.content_type);
    out.append("\r\n");
  }
  for (const auto& header : response.headers) {
    out.append(header.name);
    out.append(": ");
    out.append(header.value);
    out.append("\r\n");
  }
  if (has_body) {
    out.append("Content-Length: ");
    append_number(out, response.body.size());
    out.append("\r\n");
  }
  if (options.close) {
    out.append("Connection: close\r\n");
  } else if (options.http10_keep_alive) {
    out.append("Connection: keep-alive\r\n");
  }
  out.append("\r\n");
  if (has_body && !options.head_only) out.append(response.body);
}

Response error_response(int status, std::string_view message) {
  Response response;
  response.status = status;
  JsonWriter json(response.body);
  json.begin_object().key("error").value(message).end_object();
  return response;
}

}  // namespace hone::http
