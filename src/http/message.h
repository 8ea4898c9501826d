// Plain request and response types that handlers see, free of Beast so that code above the
// http area never includes Asio or Beast headers.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace hone::http {

enum class Method { kGet, kHead, kPost, kPut, kDelete, kPatch, kOptions, kOther };

std::string_view method_name(Method method);

struct Header {
  std::string name;
  std::string value;
};

// Finds a header by case-insensitive name; empty view when absent.
std::string_view find_header(const std::vector<Header>& headers, std::string_view name);
// The token of an `Authorization: Bearer TOKEN` value (the scheme in any case, RFC 9110); empty
// for any other value.
std::string_view bearer_token(std::string_view authorization);

struct Request {
  Method method = Method::kGet;
  std::string method_text;  // as sent, for messages about unknown methods
  std::string target;       // origin-form: path plus optional ?query
  std::vector<Header> headers;
  std::string body;
  // When the request's first byte arrived (the start of its trace).
  std::chrono::steady_clock::time_point received;

  std::string_view path() const;   // target without the query
  std::string_view query() const;  // after '?', empty when none
  std::string_view header(std::string_view name) const { return find_header(headers, name); }
};

// Told on the connection's thread once an answer is written to the socket (not told when the
// connection dies first). For request traces; an object the caller already shares, so that
// watching an answer costs no allocation.
class WriteObserver {
 public:
  virtual ~WriteObserver() = default;
  virtual void written() = 0;
};

struct Response {
  int status = 200;
  // A type hone chooses, from static storage (so that an answer allocates nothing for it); a
  // type known only at run time (an upstream's) goes in `headers` as Content-Type.
  std::string_view content_type = "application/json";
  std::string body;
  std::vector<Header> headers;  // extra headers; Content-Length, Date and Server are added
  bool close = false;           // ask the session to close the connection after this response
  std::shared_ptr<WriteObserver> on_written;  // none: nobody watches
};

std::string_view reason_phrase(int status);

}  // namespace hone::http
