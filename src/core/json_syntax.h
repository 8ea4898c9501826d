// Where a JSON text breaks: a small strict scanner (RFC 8259) that finds the first syntax error
// and says where, as "line 3, column 14: expected ',' or '}'". Parsers that report only *that*
// a document is invalid (simdjson's DOM) call it afterwards, so users see where to look.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace hone {

// The first syntax error with its line and column (1-based, columns in bytes), or nullopt when
// `text` is one valid JSON value with only whitespace around it. Nesting deeper than
// `max_depth` is reported as an error at the bracket that exceeds it.
std::optional<std::string> json_syntax_error(std::string_view text, int max_depth = 1024);

}  // namespace hone
