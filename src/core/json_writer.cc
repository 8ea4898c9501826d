#include "core/json_writer.h"

#include <cassert>
#include <charconv>
#include <cmath>

namespace hone {

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  // Runs of characters that need no escape are appended whole.
  std::size_t plain = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"':
        out.append("\\\"");
        break;
      case '\\':
        out.append("\\\\");
        break;
      case '\n':
        out.append("\\n");
        break;
      case '\r':
        out.append("\\r");
        break;
      case '\t':
        out.append("\\t");
        break;
      default:
        out.append("\\u00");
        out.push_back(kHex[byte >> 4]);
        out.push_back(kHex[byte & 0xf]);
    }
  }
  out.append(text.data() + plain, text.size() - plain);
  out.push_back('"');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ > 0) {
    if (!first_in_scope()) out_.push_back(',');
    set_first_in_scope(false);
  }
}

// Whether the innermost scope has no value yet: one bit per open scope, the first 64 inline
// (no allocation for any answer hone writes), deeper ones in `deeper_`.
bool JsonWriter::first_in_scope() const {
  const std::size_t at = depth_ - 1;
  return at < 64 ? ((shallow_ >> at) & 1U) != 0 : deeper_[at - 64];
}

void JsonWriter::set_first_in_scope(bool first) {
  const std::size_t at = depth_ - 1;
  if (at < 64) {
    const std::uint64_t bit = std::uint64_t{1} << at;
    shallow_ = first ? (shallow_ | bit) : (shallow_ & ~bit);
  } else {
    deeper_[at - 64] = first;
  }
}

void JsonWriter::open_scope() {
  ++depth_;
  if (depth_ > 64) deeper_.resize(depth_ - 64);
  set_first_in_scope(true);
}

void JsonWriter::close_scope() { --depth_; }

JsonWriter& JsonWriter::begin_object() {
  before_value();
  out_.push_back('{');
  open_scope();
  return *this;
}

JsonWriter& JsonWriter::end_object() {
  assert(depth_ > 0 && !after_key_);
  close_scope();
  out_.push_back('}');
  return *this;
}

JsonWriter& JsonWriter::begin_array() {
  before_value();
  out_.push_back('[');
  open_scope();
  return *this;
}

JsonWriter& JsonWriter::end_array() {
  assert(depth_ > 0);
  close_scope();
  out_.push_back(']');
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  append_json_string(out_, name);
  out_.push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view text) {
  before_value();
  append_json_string(out_, text);
  return *this;
}

JsonWriter& JsonWriter::value(bool flag) {
  before_value();
  out_.append(flag ? "true" : "false");
  return *this;
}

namespace {
template <typename Number>
void append_number(std::string& out, Number number) {
  char buffer[40];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, number);
  assert(ec == std::errc());
  out.append(buffer, end);
}
}  // namespace

template <typename Float>
JsonWriter& JsonWriter::floating(Float number) {
  before_value();
  if (!std::isfinite(number)) {
    out_.append("null");
  } else {
    append_number(out_, number);
  }
  return *this;
}

JsonWriter& JsonWriter::value(double number) { return floating(number); }
JsonWriter& JsonWriter::value(float number) { return floating(number); }

JsonWriter& JsonWriter::value(std::int64_t number) {
  before_value();
  append_number(out_, number);
  return *this;
}

JsonWriter& JsonWriter::value(std::uint64_t number) {
  before_value();
  append_number(out_, number);
  return *this;
}

JsonWriter& JsonWriter::null() {
  before_value();
  out_.append("null");
  return *this;
}

JsonWriter& JsonWriter::raw(std::string_view json) {
  before_value();
  out_.append(json);
  return *this;
}

}  // namespace hone
