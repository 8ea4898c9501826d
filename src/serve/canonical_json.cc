#include "serve/canonical_json.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>
#include <vector>

namespace hone::serve {
namespace {

void write_string(std::string_view text, std::string& out) {
  out += '"';
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof escaped, "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void write_double(double value, std::string& out) {
  if (value == 0) value = 0;                     // -0 is 0
  constexpr double kExact = 9007199254740992.0;  // 2^53
  char buffer[32];
  if (value == std::floor(value) && std::fabs(value) <= kExact) {
    const auto [end, ec] =
        std::to_chars(buffer, buffer + sizeof buffer, static_cast<std::int64_t>(value));
    out.append(buffer, end);
    return;
  }
  // Beyond 2^53 always in exponent form: the shortest fixed form of such a double can be an
  // integer too long for a JSON reader's integers (simdjson refuses it).
  const auto [end, ec] =
      std::fabs(value) > kExact
          ? std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific)
          : std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

bool write(simdjson::dom::element value, std::size_t depth, std::size_t max_depth,
           std::string& out) {
  if (depth > max_depth) return false;
  switch (value.type()) {
    case simdjson::dom::element_type::OBJECT: {
      simdjson::dom::object object;
      if (value.get_object().get(object) != simdjson::SUCCESS) return false;
      std::vector<std::pair<std::string_view, simdjson::dom::element>> members;
      for (const auto field : object) members.emplace_back(field.key, field.value);
      std::stable_sort(members.begin(), members.end(),
                       [](const auto& a, const auto& b) { return a.first < b.first; });
      out += '{';
      for (std::size_t i = 0; i < members.size(); ++i) {
        if (i > 0) out += ',';
        write_string(members[i].first, out);
        out += ':';
        if (!write(members[i].second, depth + 1, max_depth, out)) return false;
      }
      out += '}';
      return true;
    }
    case simdjson::dom::element_type::ARRAY: {
      simdjson::dom::array array;
      if (value.get_array().get(array) != simdjson::SUCCESS) return false;
      out += '[';
      bool first = true;
      for (const auto item : array) {
        if (!first) out += ',';
        first = false;
        if (!write(item, depth + 1, max_depth, out)) return false;
      }
      out += ']';
      return true;
    }
    case simdjson::dom::element_type::STRING:
      write_string(value.get_string().value_unsafe(), out);
      return true;
    case simdjson::dom::element_type::INT64: {
      const std::int64_t n = value.get_int64().value_unsafe();
      constexpr std::int64_t kExact = std::int64_t{1} << 53;  // doubles hold every integer to here
      if (n >= -kExact && n <= kExact) {
        write_double(static_cast<double>(n), out);
      } else {
        out += std::to_string(n);
      }
      return true;
    }
    case simdjson::dom::element_type::UINT64: {
      const std::uint64_t n = value.get_uint64().value_unsafe();
      out += std::to_string(n);
      return true;
    }
    case simdjson::dom::element_type::DOUBLE:
      write_double(value.get_double().value_unsafe(), out);
      return true;
    case simdjson::dom::element_type::BOOL:
      out += value.get_bool().value_unsafe() ? "true" : "false";
      return true;
    case simdjson::dom::element_type::NULL_VALUE:
      out += "null";
      return true;
  }
  return false;
}

}  // namespace

Result<std::string> canonical_json(std::string_view body, std::size_t max_depth) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (const auto error = parser.parse(body.data(), body.size()).get(root); error) {
    return fail(std::string("the body is not JSON: ") + simdjson::error_message(error), 400);
  }
  std::string out;
  out.reserve(body.size());
  if (!write(root, 0, max_depth, out)) {
    return fail("the body nests deeper than " + std::to_string(max_depth) + " levels", 400);
  }
  return out;
}

}  // namespace hone::serve
