#include "model/xgboost/ubjson.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>

#include "core/json_writer.h"

namespace hone::model::xgb {
namespace {

class Reader {
 public:
  Reader(std::string_view bytes, std::size_t max_depth, std::string& out)
      : bytes_(bytes), max_depth_(max_depth), json_(out) {}

  Status document() {
    if (!value(next_marker(), 0)) return fail(error_);
    skip_noops();
    if (at_ < bytes_.size()) return fail("bytes after the end of the value at offset " + where());
    return {};
  }

 private:
  std::string where() const { return std::to_string(at_); }

  bool bad(const std::string& what) {
    if (error_.empty()) error_ = what + " at offset " + where();
    return false;
  }

  void skip_noops() {
    while (at_ < bytes_.size() && bytes_[at_] == 'N') ++at_;
  }

  // The next marker, past no-ops; 0 at the end.
  char next_marker() {
    skip_noops();
    return at_ < bytes_.size() ? bytes_[at_++] : '\0';
  }

  static std::size_t size_of(char type) {
    switch (type) {
      case 'i':
      case 'U':
      case 'C':
        return 1;
      case 'I':
        return 2;
      case 'l':
      case 'd':
        return 4;
      case 'L':
      case 'D':
        return 8;
      default:
        return 0;
    }
  }

  template <typename T>
  bool fixed(T& value) {
    if (bytes_.size() - at_ < sizeof(T)) return bad("the file ends inside a number");
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    if constexpr (sizeof(T) > 1 && std::endian::native == std::endian::little) {
      value =
          std::bit_cast<T>(byteswap(std::bit_cast<std::array<unsigned char, sizeof(T)>>(value)));
    }
    at_ += sizeof(T);
    return true;
  }

  template <std::size_t N>
  static std::array<unsigned char, N> byteswap(std::array<unsigned char, N> bytes) {
    for (std::size_t i = 0; i < N / 2; ++i) std::swap(bytes[i], bytes[N - 1 - i]);
    return bytes;
  }

  // An integer of the given type marker, as int64 (uint8 included).
  bool integer(char type, std::int64_t& out) {
    switch (type) {
      case 'i': {
        std::int8_t v = 0;
        if (!fixed(v)) return false;
        out = v;
        return true;
      }
      case 'U': {
        std::uint8_t v = 0;
        if (!fixed(v)) return false;
        out = v;
        return true;
      }
      case 'I': {
        std::int16_t v = 0;
        if (!fixed(v)) return false;
        out = v;
        return true;
      }
      case 'l': {
        std::int32_t v = 0;
        if (!fixed(v)) return false;
        out = v;
        return true;
      }
      case 'L':
        return fixed(out);
      default:
        return bad(std::string("expected an integer marker, found '") + printable(type) + "'");
    }
  }

  static char printable(char c) { return c >= 32 && c < 127 ? c : '?'; }

  // A length or count: an integer marker and a value from 0 to what the remaining bytes allow.
  bool length(std::size_t& out, std::size_t unit) {
    std::int64_t n = 0;
    if (!integer(next_marker(), n)) return false;
    if (n < 0) return bad("a negative length");
    const std::size_t left = bytes_.size() - at_;
    if (static_cast<std::uint64_t>(n) > left / std::max<std::size_t>(unit, 1)) {
      return bad("a length of " + std::to_string(n) + " past the end of the file");
    }
    out = static_cast<std::size_t>(n);
    return true;
  }

  bool text(std::string_view& out) {
    std::size_t size = 0;
    if (!length(size, 1)) return false;
    out = bytes_.substr(at_, size);
    at_ += size;
    return true;
  }

  bool number(double value) {
    json_.value(std::isfinite(value) ? value : 0.0);
    return true;
  }

  bool value(char type, std::size_t depth) {
    switch (type) {
      case 'Z':
        json_.null();
        return true;
      case 'T':
      case 'F':
        json_.value(type == 'T');
        return true;
      case 'i':
      case 'U':
      case 'I':
      case 'l':
      case 'L': {
        std::int64_t v = 0;
        if (!integer(type, v)) return false;
        json_.value(v);
        return true;
      }
      case 'd': {
        float v = 0;
        if (!fixed(v)) return false;
        json_.value(std::isfinite(v) ? v : 0.0F);
        return true;
      }
      case 'D': {
        double v = 0;
        return fixed(v) && number(v);
      }
      case 'C': {
        char c = 0;
        if (!fixed(c)) return false;
        json_.value(std::string_view(&c, 1));
        return true;
      }
      case 'S':
      case 'H': {  // high-precision numbers are kept as their text
        std::string_view s;
        if (!text(s)) return false;
        json_.value(s);
        return true;
      }
      case '[':
      case '{':
        if (depth >= max_depth_) return bad("nesting deeper than " + std::to_string(max_depth_));
        return container(type == '{', depth + 1);
      case '\0':
        return bad("the file ends where a value was expected");
      default:
        return bad(std::string("unknown marker '") + printable(type) + "'");
    }
  }

  // After '[' or '{': optional "$type" and "#count", then the members.
  bool container(bool object, std::size_t depth) {
    char type = 0;
    std::size_t count = 0;
    bool counted = false;
    if (at_ < bytes_.size() && bytes_[at_] == '$') {
      ++at_;
      type = at_ < bytes_.size() ? bytes_[at_++] : '\0';
      if (type == '\0' || type == 'N' || type == '[' || type == '{' || type == ']' || type == '}') {
        return bad("a container type that cannot be one");
      }
      if (at_ >= bytes_.size() || bytes_[at_] != '#') return bad("a typed container needs a count");
    }
    if (at_ < bytes_.size() && bytes_[at_] == '#') {
      ++at_;
      // Each member takes at least its own size, or one byte (a key's length, a marker).
      const std::size_t unit = std::max<std::size_t>(size_of(type), 1) + (object ? 1 : 0);
      if (!length(count, unit)) return false;
      counted = true;
    }
    object ? json_.begin_object() : json_.begin_array();
    for (std::size_t i = 0; !counted || i < count; ++i) {
      if (!counted) {
        skip_noops();
        if (at_ >= bytes_.size()) return bad("the file ends inside a container");
        if (bytes_[at_] == (object ? '}' : ']')) {
          ++at_;
          break;
        }
      }
      if (object) {
        std::string_view key;
        if (!text(key)) return false;
        json_.key(key);
      }
      if (!value(type != 0 ? type : next_marker(), depth)) return false;
    }
    object ? json_.end_object() : json_.end_array();
    return true;
  }

  std::string_view bytes_;
  std::size_t max_depth_;
  std::size_t at_ = 0;
  JsonWriter json_;
  std::string error_;
};

}  // namespace

Result<std::string> ubjson_to_json(std::string_view bytes, std::size_t max_depth) {
  std::string out;
  Reader reader(bytes, max_depth, out);
  if (auto read = reader.document(); !read) return fail("UBJSON: " + read.error().message);
  return out;
}

}  // namespace hone::model::xgb
