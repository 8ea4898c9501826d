// An incremental HTTP/1.1 response parser for the load generator: status, framing
// (Content-Length, chunked, or until close), Connection: close, and optionally the body.
// It never copies header bytes and keeps the body only when asked, so that a run measures the
// server and not the client. Interim 1xx answers are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace hone::load {

class ResponseParser {
 public:
  enum class State {
    kHead,
    kBody,
    kChunkSize,
    kChunkData,
    kChunkDataEnd,
    kTrailer,
    kUntilClose,
    kDone,
    kError
  };

  // head_request: the answer has no body whatever its headers say.
  void reset(bool head_request, bool keep_body);

  // Consumes bytes of `data`, returns how many were used (the rest belongs to what follows).
  std::size_t feed(std::string_view data);
  // The peer closed the connection: completes a read-until-close body, else an error.
  void on_eof();

  bool done() const { return state_ == State::kDone; }
  bool failed() const { return state_ == State::kError; }
  const std::string& error() const { return error_; }
  int status() const { return status_; }
  bool keep_alive() const { return keep_alive_; }
  const std::string& body() const { return body_; }
  std::int64_t body_bytes() const { return body_bytes_; }

  // Longest head (status line and headers) accepted.
  static constexpr std::size_t kMaxHead = 64 * 1024;
  // Most body bytes kept when the body is kept; body_bytes() still counts them all.
  static constexpr std::size_t kMaxKeptBody = 4 * 1024 * 1024;

 private:
  std::size_t parse_head(std::string_view data);
  bool parse_status_line(std::string_view line);
  void parse_header(std::string_view line);
  void begin_body();
  void fail_with(std::string message);
  void take_body(std::string_view bytes);

  State state_ = State::kHead;
  bool head_request_ = false;
  bool keep_body_ = false;
  int status_ = 0;
  int version_minor_ = 1;
  bool keep_alive_ = true;
  bool chunked_ = false;
  bool has_length_ = false;
  std::int64_t content_length_ = 0;
  std::int64_t remaining_ = 0;
  std::int64_t body_bytes_ = 0;
  std::size_t head_seen_ = 0;
  std::string partial_;  // a head or chunk-size line split across reads
  std::string body_;
  std::string error_;
};

}  // namespace hone::load
