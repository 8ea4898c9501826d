// One spelling for every JSON value, so that requests that mean the same thing share a cache
// entry: object members sorted by key (byte order; repeated keys keep their order), no
// whitespace, strings with only the escapes JSON requires (\" \\ and control characters, as
// \n \t ... or \u00XX), and numbers by value: 1, 1.0, 1e0 and 10E-1 are all 1; -0 is 0; integers
// beyond 2^53 that simdjson reads exactly keep their digits. Depth-bounded like every parse.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"

namespace hone::serve {

// The canonical bytes of `body`, or an error (code 400) when it is not JSON or nests too deep.
Result<std::string> canonical_json(std::string_view body, std::size_t max_depth);

}  // namespace hone::serve
