#include "load/response_parser.h"

#include <charconv>

#include "core/strings.h"

namespace hone::load {

void ResponseParser::reset(bool head_request, bool keep_body) {
  state_ = State::kHead;
  head_request_ = head_request;
  keep_body_ = keep_body;
  status_ = 0;
  version_minor_ = 1;
  keep_alive_ = true;
  chunked_ = false;
  has_length_ = false;
  content_length_ = 0;
  remaining_ = 0;
  body_bytes_ = 0;
  head_seen_ = 0;
  partial_.clear();
  body_.clear();
  error_.clear();
}

void ResponseParser::fail_with(std::string message) {
  state_ = State::kError;
  error_ = std::move(message);
}

void ResponseParser::take_body(std::string_view bytes) {
  body_bytes_ += static_cast<std::int64_t>(bytes.size());
  // Kept (for body_contains checks) up to kMaxKeptBody: a huge answer costs no memory here.
  if (keep_body_ && body_.size() < kMaxKeptBody)
    body_.append(bytes.substr(0, kMaxKeptBody - body_.size()));
}

bool ResponseParser::parse_status_line(std::string_view line) {
  // HTTP/1.x SP DDD [SP reason]
  if (line.size() < 12 || line.substr(0, 7) != "HTTP/1." || line[8] != ' ') return false;
  version_minor_ = line[7] - '0';
  int status = 0;
  const auto [end, ec] = std::from_chars(line.data() + 9, line.data() + 12, status);
  if (ec != std::errc() || end != line.data() + 12 || status < 100 || status > 999) return false;
  status_ = status;
  keep_alive_ = version_minor_ >= 1;
  chunked_ = false;
  has_length_ = false;
  return true;
}

void ResponseParser::parse_header(std::string_view line) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos) return;
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  if (iequals(name, "content-length")) {
    std::int64_t length = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), length);
    if (ec != std::errc() || end != value.data() + value.size() || length < 0) {
      fail_with("bad Content-Length");
      return;
    }
    has_length_ = true;
    content_length_ = length;
  } else if (iequals(name, "transfer-encoding")) {
    chunked_ = value.size() >= 7 && iequals(value.substr(value.size() - 7), "chunked");
  } else if (iequals(name, "connection")) {
    if (iequals(value, "close")) keep_alive_ = false;
    if (iequals(value, "keep-alive")) keep_alive_ = true;
  }
}

void ResponseParser::begin_body() {
  if (status_ >= 100 && status_ < 200) {  // interim answer: the real one follows
    state_ = State::kHead;
    head_seen_ = 0;
    return;
  }
  if (head_request_ || status_ == 204 || status_ == 304) {
    state_ = State::kDone;
  } else if (chunked_) {
    state_ = State::kChunkSize;
  } else if (has_length_) {
    remaining_ = content_length_;
    state_ = remaining_ == 0 ? State::kDone : State::kBody;
  } else {
    keep_alive_ = false;
    state_ = State::kUntilClose;
  }
}

// Parses whole lines of the head; a line split across reads waits in partial_.
std::size_t ResponseParser::parse_head(std::string_view data) {
  std::size_t used = 0;
  while (state_ == State::kHead) {
    const auto newline = data.find('\n', used);
    if (newline == std::string_view::npos) {
      partial_.append(data.substr(used));
      head_seen_ += data.size() - used;
      if (head_seen_ > kMaxHead) fail_with("response head too large");
      return data.size();
    }
    std::string_view line = data.substr(used, newline - used);
    if (!partial_.empty()) {
      partial_.append(line);
      line = partial_;
    }
    head_seen_ += newline + 1 - used;
    used = newline + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (status_ == 0) {
      if (!parse_status_line(line)) {
        fail_with("malformed status line");
        return used;
      }
    } else if (line.empty()) {
      begin_body();
      if (state_ == State::kHead) status_ = 0;  // after a 1xx, expect a new status line
    } else {
      parse_header(line);
    }
    partial_.clear();
    if (head_seen_ > kMaxHead) fail_with("response head too large");
    if (state_ == State::kError) return used;
  }
  return used;
}

std::size_t ResponseParser::feed(std::string_view data) {
  std::size_t used = 0;
  while (used < data.size() && state_ != State::kDone && state_ != State::kError) {
    const std::string_view rest = data.substr(used);
    switch (state_) {
      case State::kHead:
        used += parse_head(rest);
        break;
      case State::kBody: {
        const auto n = static_cast<std::size_t>(
            std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(rest.size())));
        take_body(rest.substr(0, n));
        remaining_ -= static_cast<std::int64_t>(n);
        used += n;
        if (remaining_ == 0) state_ = State::kDone;
        break;
      }
      case State::kChunkSize:
      case State::kChunkDataEnd:
      case State::kTrailer: {
        const auto newline = rest.find('\n');
        if (newline == std::string_view::npos) {
          partial_.append(rest);
          if (partial_.size() > 4096) fail_with("chunk line too long");
          used = data.size();
          break;
        }
        std::string_view line = rest.substr(0, newline);
        if (!partial_.empty()) {
          partial_.append(line);
          line = partial_;
        }
        used += newline + 1;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (state_ == State::kChunkDataEnd) {
          if (!line.empty())
            fail_with("chunk data not followed by CRLF");
          else
            state_ = State::kChunkSize;
        } else if (state_ == State::kTrailer) {
          if (line.empty()) state_ = State::kDone;
        } else {
          const std::string_view size_text = line.substr(0, line.find(';'));
          std::int64_t size = 0;
          const auto [end, ec] =
              std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
          if (ec != std::errc() || size < 0) {
            fail_with("bad chunk size");
          } else if (size == 0) {
            state_ = State::kTrailer;
          } else {
            remaining_ = size;
            state_ = State::kChunkData;
          }
        }
        partial_.clear();
        break;
      }
      case State::kChunkData: {
        const auto n = static_cast<std::size_t>(
            std::min<std::int64_t>(remaining_, static_cast<std::int64_t>(rest.size())));
        take_body(rest.substr(0, n));
        remaining_ -= static_cast<std::int64_t>(n);
        used += n;
        if (remaining_ == 0) state_ = State::kChunkDataEnd;
        break;
      }
      case State::kUntilClose:
        take_body(rest);
        used = data.size();
        break;
      case State::kDone:
      case State::kError:
        break;
    }
  }
  return used;
}

void ResponseParser::on_eof() {
  if (state_ == State::kUntilClose) {
    state_ = State::kDone;
  } else if (state_ != State::kDone) {
    fail_with("connection closed before the response was complete");
  }
}

}  // namespace hone::load
