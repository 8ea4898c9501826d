#include "http/request_parser.h"

#include <algorithm>
#include <array>

#include "core/strings.h"

namespace hone::http {
namespace {

constexpr std::size_t kMaxChunkLine = 4096;  // a chunk size with its extensions

// RFC 9110 tchar: what a method and a field name are made of.
constexpr std::array<bool, 256> make_token_table() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'a'; c <= 'z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (int c = 'A'; c <= 'Z'; ++c) table[static_cast<std::size_t>(c)] = true;
  for (const char c : std::string_view("!#$%&'*+-.^_`|~")) {
    table[static_cast<unsigned char>(c)] = true;
  }
  return table;
}
constexpr std::array<bool, 256> kToken = make_token_table();

bool is_token(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!kToken[static_cast<unsigned char>(c)]) return false;
  }
  return true;
}

// A field value's bytes: visible ASCII, space, tab and obs-text; no other control byte.
bool is_field_value(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) return false;
  }
  return true;
}

Method method_of(std::string_view text) {
  if (text == "GET") return Method::kGet;
  if (text == "POST") return Method::kPost;
  if (text == "HEAD") return Method::kHead;
  if (text == "PUT") return Method::kPut;
  if (text == "DELETE") return Method::kDelete;
  if (text == "PATCH") return Method::kPatch;
  if (text == "OPTIONS") return Method::kOptions;
  return Method::kOther;
}

bool needs_length(Method method) {
  return method == Method::kPost || method == Method::kPut || method == Method::kPatch;
}

// Calls `each` with every comma-separated element of a list header, trimmed.
template <typename Each>
void for_each_element(std::string_view list, Each each) {
  while (!list.empty()) {
    const auto comma = list.find(',');
    each(trim(list.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
}

// RFC 9110's Host: uri-host [":" port], or empty; an IPv6 literal in brackets.
bool is_host(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    const bool allowed = kToken[u] || c == ':' || c == '[' || c == ']' || c == '(' || c == ')' ||
                         c == ',' || c == ';' || c == '=';
    if (!allowed || c == '|' || c == '`' || c == '^' || c == '#') return false;
  }
  return true;
}

// The path and query of an absolute-form target (`http://host:8000/v2?x=1` -> `/v2?x=1`, as
// proxies send them; `?x=1` when it has no path, see its caller); any other target as it is.
std::string_view origin_form(std::string_view target) {
  std::size_t scheme = 0;
  if (target.size() >= 7 && iequals(target.substr(0, 7), "http://")) scheme = 7;
  if (target.size() >= 8 && iequals(target.substr(0, 8), "https://")) scheme = 8;
  if (scheme == 0) return target;
  const auto path = target.find_first_of("/?", scheme);
  return path == std::string_view::npos ? "/" : target.substr(path);
}

bool parse_decimal(std::string_view text, std::uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  std::uint64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(c - '0');
  }
  out = value;
  return true;
}

}  // namespace

void RequestParser::reset() {
  state_ = State::kHeader;
  scanned_ = 0;
  version_ = 11;
  keep_alive_ = true;
  chunked_ = false;
  has_length_ = false;
  body_remaining_ = 0;
  chunk_ = Chunk::kSize;
  trailer_bytes_ = 0;
  content_length_conflict_ = false;
  transfer_encoding_ = false;
  te_chunked_count_ = 0;
  te_last_chunked_ = false;
  te_unknown_.clear();
  host_count_ = 0;
  host_valid_ = true;
  connection_close_ = false;
  connection_keep_alive_ = false;
  error_status_ = 0;
  error_message_.clear();
}

bool RequestParser::fail(int status, std::string message) {
  state_ = State::kError;
  error_status_ = status;
  error_message_ = std::move(message);
  return false;
}

bool RequestParser::malformed(std::string_view what) {
  return fail(400, "malformed HTTP request: " + std::string(what));
}

std::size_t RequestParser::feed(std::string_view data) {
  std::size_t used = 0;
  if (state_ == State::kHeader) used = feed_header(data);
  if (state_ == State::kBody) used += feed_body(data.substr(used));
  return used;
}

std::size_t RequestParser::feed_header(std::string_view data) {
  // Empty lines before a request line are ignored (RFC 9112 2.2), as a client may send a CRLF
  // after a body.
  std::size_t skipped = 0;
  while (scanned_ == 0 && data.size() - skipped >= 2 && data[skipped] == '\r' &&
         data[skipped + 1] == '\n') {
    skipped += 2;
  }
  data.remove_prefix(skipped);
  if (scanned_ == 0 && data.size() == 1 && data[0] == '\r') return skipped;

  const auto line_end = data.find('\n');
  if ((line_end == std::string_view::npos && data.size() > limits_.max_request_line) ||
      (line_end != std::string_view::npos && line_end > limits_.max_request_line)) {
    fail(414,
         "request line too long (limit " + std::to_string(limits_.max_request_line) + " bytes)");
    return skipped;
  }
  const std::size_t from = scanned_ >= 3 ? scanned_ - 3 : 0;
  const auto blank = data.find("\r\n\r\n", from);
  const std::size_t header_size = blank == std::string_view::npos ? data.size() : blank + 4;
  if (header_size > limits_.max_header_bytes) {
    fail(431,
         "request header too large (limit " + std::to_string(limits_.max_header_bytes) + " bytes)");
    return skipped;
  }
  if (blank == std::string_view::npos) {
    scanned_ = data.size();
    return skipped;
  }
  if (!parse_header(data.substr(0, blank + 2)) || !frame_body()) return skipped;
  return skipped + header_size;
}

// `header` holds the request line and the fields, each ending in CRLF.
bool RequestParser::parse_header(std::string_view header) {
  std::size_t end = header.find("\r\n");
  if (!parse_request_line(header.substr(0, end))) return false;
  std::size_t count = 0;
  for (std::size_t start = end + 2; start < header.size(); start = end + 2) {
    end = header.find("\r\n", start);
    if (count == limits_.max_header_fields) {
      return fail(
          431, "too many header fields (limit " + std::to_string(limits_.max_header_fields) + ")");
    }
    if (!parse_field(header.substr(start, end - start), count)) return false;
    ++count;
  }
  request_.headers.resize(count);
  if (content_length_conflict_) return malformed("conflicting Content-Length values");
  keep_alive_ = version_ == 11 ? !connection_close_ : connection_keep_alive_ && !connection_close_;
  return true;
}

bool RequestParser::parse_request_line(std::string_view line) {
  const auto first = line.find(' ');
  if (first == std::string_view::npos || !is_token(line.substr(0, first))) {
    return malformed("bad method");
  }
  const auto second = line.find(' ', first + 1);
  const std::string_view target = line.substr(
      first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
  if (second == std::string_view::npos || target.empty()) return malformed("bad target");
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return malformed("bad target");
  }
  const std::string_view version = line.substr(second + 1);
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || !digit(version[5]) ||
      version[6] != '.' || !digit(version[7])) {
    return malformed("bad version");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return fail(505, "only HTTP/1.0 and HTTP/1.1 are supported");
  }
  version_ = version[7] == '0' ? 10 : 11;
  const std::string_view method = line.substr(0, first);
  request_.method = method_of(method);
  request_.method_text.assign(method);
  const std::string_view origin = origin_form(target);
  request_.target.assign(origin[0] == '?' ? "/" : "");
  request_.target.append(origin);
  return true;
}

bool RequestParser::parse_field(std::string_view line, std::size_t index) {
  const auto colon = line.find(':');
  if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) {
    return malformed(line.empty() || line[0] == ' ' || line[0] == '\t' ? "obs-fold" : "bad field");
  }
  const std::string_view name = line.substr(0, colon);
  const std::string_view value = trim(line.substr(colon + 1));
  if (!is_field_value(value)) return malformed("bad field value");
  if (index < request_.headers.size()) {
    request_.headers[index].name.assign(name);
    request_.headers[index].value.assign(value);
  } else {
    request_.headers.push_back(Header{std::string(name), std::string(value)});
  }
  if (iequals(name, "content-length")) {
    std::uint64_t length = 0;
    if (!parse_decimal(value, length)) return malformed("bad Content-Length");
    if (has_length_ && length != body_remaining_) content_length_conflict_ = true;
    has_length_ = true;
    body_remaining_ = length;
  } else if (iequals(name, "transfer-encoding")) {
    // The codings of all Transfer-Encoding fields, in order: only `chunked` is implemented.
    for_each_element(value, [this](std::string_view coding) {
      te_last_chunked_ = iequals(coding, "chunked");
      if (te_last_chunked_) {
        ++te_chunked_count_;
      } else if (te_unknown_.empty()) {
        te_unknown_.assign(coding.empty() ? "(empty)" : coding);
      }
    });
    transfer_encoding_ = true;
  } else if (iequals(name, "host")) {
    ++host_count_;
    host_valid_ = host_valid_ && is_host(value);
  } else if (iequals(name, "connection")) {
    for_each_element(value, [this](std::string_view option) {
      if (iequals(option, "close")) connection_close_ = true;
      if (iequals(option, "keep-alive")) connection_keep_alive_ = true;
    });
  }
  return true;
}

// Decides how the body is framed, once the header is parsed.
bool RequestParser::frame_body() {
  if (transfer_encoding_) {
    if (has_length_) return malformed("both Content-Length and Transfer-Encoding");
    if (version_ == 10) return malformed("bad Transfer-Encoding");
    if (!te_unknown_.empty()) {
      return fail(501, "transfer coding '" + te_unknown_ + "' is not implemented (only chunked)");
    }
    if (!te_last_chunked_ || te_chunked_count_ != 1) return malformed("bad Transfer-Encoding");
    chunked_ = true;
  } else if (!has_length_ && needs_length(request_.method)) {
    return fail(411, "a request body needs Content-Length or chunked Transfer-Encoding");
  }
  if (has_length_ && body_remaining_ > limits_.max_body_bytes) {
    return fail(
        413, "request body too large (limit " + std::to_string(limits_.max_body_bytes) + " bytes)");
  }
  if (version_ == 11 && host_count_ != 1) {
    return malformed(host_count_ == 0 ? "HTTP/1.1 needs a Host header" : "more than one Host");
  }
  if (!host_valid_) return malformed("bad Host");
  request_.body.clear();
  if (has_length_) request_.body.reserve(static_cast<std::size_t>(body_remaining_));
  state_ = (chunked_ || body_remaining_ > 0) ? State::kBody : State::kDone;
  return true;
}

std::size_t RequestParser::feed_body(std::string_view data) {
  if (chunked_) return feed_chunked(data);
  const std::size_t take =
      static_cast<std::size_t>(std::min<std::uint64_t>(body_remaining_, data.size()));
  request_.body.append(data.data(), take);
  body_remaining_ -= take;
  if (body_remaining_ == 0) state_ = State::kDone;
  return take;
}

std::size_t RequestParser::feed_chunked(std::string_view data) {
  std::size_t used = 0;
  while (state_ == State::kBody && used < data.size()) {
    const std::string_view rest = data.substr(used);
    switch (chunk_) {
      case Chunk::kSize: {
        const auto newline = rest.find('\n');
        if (newline == std::string_view::npos) {
          if (rest.size() > kMaxChunkLine) malformed("bad chunk size");
          return used;
        }
        if (newline == 0 || rest[newline - 1] != '\r') {
          malformed("chunk size line without CRLF");
          return used;
        }
        const std::size_t end = newline - 1;
        std::uint64_t size = 0;
        std::size_t i = 0;
        for (; i < end && hex_digit(rest[i]) >= 0; ++i) {
          if (i == 15) {
            malformed("bad chunk size");
            return used;
          }
          size = size * 16 + static_cast<std::uint64_t>(hex_digit(rest[i]));
        }
        // After the digits, only extensions: `;name[=value]`, with optional whitespace.
        std::string_view extensions = rest.substr(i, end - i);
        while (!extensions.empty() && (extensions[0] == ' ' || extensions[0] == '\t')) {
          extensions.remove_prefix(1);
        }
        if (i == 0 || (!extensions.empty() && extensions[0] != ';') ||
            !is_field_value(extensions)) {
          malformed("bad chunk size");
          return used;
        }
        used += end + 2;
        if (size == 0) {
          chunk_ = Chunk::kTrailer;
        } else if (request_.body.size() + size > limits_.max_body_bytes) {
          fail(413, "request body too large (limit " + std::to_string(limits_.max_body_bytes) +
                        " bytes)");
          return used;
        } else {
          body_remaining_ = size;
          chunk_ = Chunk::kData;
        }
        break;
      }
      case Chunk::kData: {
        const std::size_t take =
            static_cast<std::size_t>(std::min<std::uint64_t>(body_remaining_, rest.size()));
        request_.body.append(rest.data(), take);
        body_remaining_ -= take;
        used += take;
        if (body_remaining_ == 0) chunk_ = Chunk::kDataEnd;
        break;
      }
      case Chunk::kDataEnd:
        if (rest.size() < 2) return used;
        if (rest[0] != '\r' || rest[1] != '\n') {
          malformed("bad chunk end");
          return used;
        }
        used += 2;
        chunk_ = Chunk::kSize;
        break;
      case Chunk::kTrailer: {
        // Trailer fields are read and dropped; together they are bounded by the header limit.
        const auto newline = rest.find('\n');
        if (newline != std::string_view::npos && (newline == 0 || rest[newline - 1] != '\r')) {
          malformed("trailer line without CRLF");
          return used;
        }
        const auto end = newline == std::string_view::npos ? newline : newline - 1;
        const std::size_t line = end == std::string_view::npos ? rest.size() : end + 2;
        if (trailer_bytes_ + line > limits_.max_header_bytes) {
          fail(431, "request header too large (limit " + std::to_string(limits_.max_header_bytes) +
                        " bytes)");
          return used;
        }
        if (end == std::string_view::npos) return used;
        trailer_bytes_ += line;
        used += line;
        if (end == 0) {
          state_ = State::kDone;
        } else if (rest.substr(0, end).find(':') == std::string_view::npos ||
                   !is_field_value(rest.substr(0, end))) {
          malformed("bad trailer");
          return used;
        }
        break;
      }
    }
  }
  return used;
}

}  // namespace hone::http
