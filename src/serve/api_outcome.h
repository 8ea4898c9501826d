// What a json upstream's prediction flight ends with (see api_pipeline.h): the upstream's answer,
// or the gateway's own failure.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "serve/response_cache.h"

namespace hone::serve {

struct ApiOutcome {
  std::shared_ptr<const CachedValue> answer;  // holds a StoredAnswer; null on failure
  int status = 0;                             // the failure's status (502, 503, 504)
  std::string error;
  std::chrono::steady_clock::time_point call_start;  // the upstream call (equal when none)
  std::chrono::steady_clock::time_point call_end;
  bool from_cache = false;  // found in Redis
};

}  // namespace hone::serve
