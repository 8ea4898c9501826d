#include "serve/json_input.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/json_syntax.h"

namespace hone::serve {
namespace {

simdjson::dom::parser& thread_parser(std::size_t max_depth) {
  thread_local simdjson::dom::parser parser;
  thread_local std::size_t depth = 0;
  if (depth != max_depth) {
    parser = simdjson::dom::parser();
    // Capacity grows on demand; depth is fixed here.
    if (parser.allocate(64 * 1024, max_depth) != simdjson::SUCCESS) std::abort();
    depth = max_depth;
  }
  return parser;
}

struct Flattener {
  std::vector<float>& out;
  std::vector<std::size_t>& dims;
  std::size_t leaf_level = SIZE_MAX;  // the depth at which numbers sit, once seen

  Status level(simdjson::dom::array array, std::size_t depth) {
    const std::size_t length = array.size();
    if (dims.size() == depth) {
      dims.push_back(length);
    } else if (dims[depth] != length) {
      return fail("tensor data is ragged: arrays at depth " + std::to_string(depth + 1) +
                      " have lengths " + std::to_string(dims[depth]) + " and " +
                      std::to_string(length),
                  400);
    }
    for (const simdjson::dom::element item : array) {
      const bool nested = item.is_array();
      const std::size_t item_depth = nested ? depth + 1 : depth;
      if (!nested) {
        if (leaf_level == SIZE_MAX) leaf_level = depth;
        if (leaf_level != depth) return fail("tensor data mixes numbers and arrays", 400);
        auto value = to_feature_value(item);
        if (!value) return value.error();
        out.push_back(*value);
        continue;
      }
      if (leaf_level != SIZE_MAX && item_depth > leaf_level) {
        return fail("tensor data mixes numbers and arrays", 400);
      }
      if (auto s = level(item.get_array().value_unsafe(), item_depth); !s) return s;
    }
    return {};
  }
};

}  // namespace

Result<simdjson::dom::element> parse_json_body(std::string& body, const JsonLimits& limits) {
  if (body.capacity() < body.size() + simdjson::SIMDJSON_PADDING) {
    body.reserve(body.size() + simdjson::SIMDJSON_PADDING);
  }
  auto& parser = thread_parser(limits.max_depth);
  simdjson::dom::element root;
  const auto error = parser.parse(body.data(), body.size(), false).get(root);
  if (error == simdjson::DEPTH_ERROR) {
    return fail("JSON nesting is deeper than " + std::to_string(limits.max_depth) + " levels", 400);
  }
  if (error != simdjson::SUCCESS) {
    // simdjson says only what kind of error; the scanner says where (error path only).
    const auto where = json_syntax_error(std::string_view(body.data(), body.size()));
    return fail("invalid JSON: " + (where ? *where : std::string(simdjson::error_message(error))),
                400);
  }
  return root;
}

Result<float> to_feature_value(simdjson::dom::element value,
                               const std::vector<std::string>* categories) {
  double number = 0;
  switch (value.type()) {
    case simdjson::dom::element_type::STRING: {
      if (categories == nullptr)
        return fail("tensor values must be numbers or null (missing)", 400);
      const std::string_view name = value.get_string().value_unsafe();
      const auto found = std::find(categories->begin(), categories->end(), name);
      if (found == categories->end()) return std::numeric_limits<float>::quiet_NaN();
      return static_cast<float>(found - categories->begin());
    }
    case simdjson::dom::element_type::NULL_VALUE:
      return std::numeric_limits<float>::quiet_NaN();
    case simdjson::dom::element_type::DOUBLE:
      number = value.get_double().value_unsafe();
      break;
    case simdjson::dom::element_type::INT64:
      number = static_cast<double>(value.get_int64().value_unsafe());
      break;
    case simdjson::dom::element_type::UINT64:
      number = static_cast<double>(value.get_uint64().value_unsafe());
      break;
    default:
      return fail("tensor values must be numbers or null (missing)", 400);
  }
  if (std::fabs(number) > std::numeric_limits<float>::max()) {
    return fail("value " + std::to_string(number) + " is out of FP32 range", 400);
  }
  return static_cast<float>(number);
}

Status flatten_array(simdjson::dom::array array, std::vector<float>& out,
                     std::vector<std::size_t>& dims) {
  Flattener flattener{out, dims};
  return flattener.level(array, 0);
}

}  // namespace hone::serve
