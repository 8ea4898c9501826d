// An HTTP/1.1 request parser that fills a Request in place, so that a connection reuses one
// Request's strings from request to request and parsing allocates nothing in the steady state.
// It is strict where framing is at stake (request smuggling): one Content-Length or chunked,
// never both; chunked last and once, other transfer codings not implemented (501); no obs-fold;
// no whitespace before a field's colon; no control bytes; CRLF line ends in chunk framing; one
// valid Host in HTTP/1.1. An absolute-form target (`http://host/path`) is read as its path. Every
// refusal carries the status and the message the client gets: 400, 411, 413, 414, 431, 501 or
// 505.
//
// The header is parsed once it is whole (nothing is consumed before), bounded by the limits on
// the request line and the header; body bytes are consumed as they come, Content-Length or
// chunked (extensions ignored, trailers read and dropped), bounded by the body limit.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "http/limits.h"
#include "http/message.h"

namespace hone::http {

class RequestParser {
 public:
  enum class State { kHeader, kBody, kDone, kError };

  explicit RequestParser(const Limits& limits) : limits_(limits) {}

  // Ready for the next request. The request keeps its strings' capacity until the next header
  // replaces them.
  void reset();

  // Takes what it can of `data` (the bytes received and not yet used, in order) and returns how
  // many it used; then state() says what comes next.
  std::size_t feed(std::string_view data);

  State state() const { return state_; }
  bool header_done() const { return state_ == State::kBody || state_ == State::kDone; }
  Request& request() { return request_; }
  const Request& request() const { return request_; }
  int version() const { return version_; }  // 10 or 11
  bool keep_alive() const { return keep_alive_; }
  // Body bytes still to come for a Content-Length body (0 for chunked or none).
  std::uint64_t body_remaining() const { return chunked_ ? 0 : body_remaining_; }

  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class Chunk { kSize, kData, kDataEnd, kTrailer };

  std::size_t feed_header(std::string_view data);
  bool parse_header(std::string_view header);
  bool parse_request_line(std::string_view line);
  bool parse_field(std::string_view line, std::size_t index);
  bool frame_body();
  std::size_t feed_body(std::string_view data);
  std::size_t feed_chunked(std::string_view data);
  bool fail(int status, std::string message);
  bool malformed(std::string_view what);

  const Limits& limits_;
  Request request_;
  State state_ = State::kHeader;
  std::size_t scanned_ = 0;  // header bytes searched for the blank line so far
  int version_ = 11;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  std::uint64_t body_remaining_ = 0;
  Chunk chunk_ = Chunk::kSize;
  std::size_t trailer_bytes_ = 0;
  // Framing headers seen while parsing the header.
  bool content_length_conflict_ = false;
  bool transfer_encoding_ = false;
  int te_chunked_count_ = 0;
  bool te_last_chunked_ = false;
  std::string te_unknown_;  // the first coding other than chunked
  int host_count_ = 0;
  bool host_valid_ = true;
  bool connection_close_ = false;
  bool connection_keep_alive_ = false;
  int error_status_ = 0;
  std::string error_message_;
};

}  // namespace hone::http
