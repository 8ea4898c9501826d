// UBJSON (Universal Binary JSON, draft 12, as XGBoost writes `.ubj` models) read into JSON text,
// so that a binary model gets the same structural check as a JSON one (json_check.h) before
// libxgboost, which trusts the file, sees it. Bounded: every count is checked against the bytes
// left, nesting stops at a depth, and a damaged file is an error with its offset, never a crash.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/result.h"

namespace hone::model::xgb {

// The JSON text of `bytes`. Numbers keep their values, except non-finite floats, written as 0
// (JSON has no spelling for them; the text serves the structural check, not prediction).
Result<std::string> ubjson_to_json(std::string_view bytes, std::size_t max_depth = 64);

}  // namespace hone::model::xgb
