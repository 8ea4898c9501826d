// Reading request bodies: JSON parsing with a depth bound (simdjson DOM, one parser per thread)
// and flattening of nested numeric arrays into rows of floats, shared by the v1 and v2 codecs.
// Errors carry the HTTP status in Error::code (400 unless said otherwise).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <vector>

#include "core/result.h"

namespace hone::serve {

struct JsonLimits {
  std::size_t max_depth = 32;
};

// Parses `body` (padding it in place for simdjson). The element stays valid until the next
// parse on the same thread.
Result<simdjson::dom::element> parse_json_body(std::string& body, const JsonLimits& limits);

// A JSON value that must become one FP32 tensor element: numbers as-is, null as missing (NaN),
// and, for a feature with category names, a name as its code (a name not listed is missing).
Result<float> to_feature_value(simdjson::dom::element value,
                               const std::vector<std::string>* categories = nullptr);

// Reads a request's "explain" flag (absent: false) into request.explanation_width; a model that
// cannot explain its predictions refuses it with 400.
template <typename Request, typename Model>
Status read_explain(simdjson::dom::element flag, const Model& model, Request& request) {
  bool explain = false;
  if (flag.get_bool().get(explain) != simdjson::SUCCESS)
    return fail("'explain' must be true or false", 400);
  if (!explain) return {};
  request.explanation_width = model.backend->explanation_width();
  if (request.explanation_width == 0) {
    return fail("model '" + model.config.name + "' cannot explain its predictions (backend '" +
                    model.backend->info().backend + "'; the native engine, backend trees, can)",
                400);
  }
  return {};
}

// Appends the numbers of a possibly nested array to `out` (row-major) and records the length of
// each nesting level in `dims`; ragged arrays are an error.
Status flatten_array(simdjson::dom::array array, std::vector<float>& out,
                     std::vector<std::size_t>& dims);

}  // namespace hone::serve
