// What a credential check decided: go on (200), or refuse with 401, 403 or 429 and why.
#pragma once

#include <cstdint>
#include <string>

namespace hone::serve {

struct AuthVerdict {
  int status = 200;
  std::string message;             // never holds the credential or its claims
  std::int64_t retry_after_s = 0;  // 429
  bool invalid_token = false;      // 401 for a bearer token that was presented but failed
};

}  // namespace hone::serve
