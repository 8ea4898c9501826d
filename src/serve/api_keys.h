// API keys for predictions (--api-keys FILE): a client presents one as `Authorization: Bearer KEY`
// or `X-API-Key: KEY` (serve/auth.h picks it out). A key the file does not hold: 401; a key not
// allowed for the model: 403; over the key's rate: 429 with Retry-After. Only SHA-256 digests of
// the keys are kept, and neither keys nor digests are ever logged or echoed.
//
// The file holds one key per line, optionally followed by settings; blank lines and lines that
// start with '#' are skipped:
//   KEY                              every model, the default rate
//   KEY models=fraud,churn rate=50/s only these models, at most 50 requests a second
// A rate is a token bucket: N/s or N/m sustained, with a burst of one second's worth (at least 1).
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "serve/auth_verdict.h"

namespace hone::serve {

using KeyDigest = std::array<unsigned char, 32>;

// A sustained rate with a burst of one second's worth; 0 tokens per second: no limit.
struct KeyRate {
  double per_second = 0;
};
Result<KeyRate> parse_key_rate(std::string_view text);  // "50/s", "600/m"

class ApiKeys {
 public:
  using Clock = std::chrono::steady_clock;

  // Reads the keys file; `default_rate` applies to keys without their own.
  static Result<std::unique_ptr<ApiKeys>> load(const std::string& path, KeyRate default_rate);

  // Whether `key` may call `model`; takes a token from the key's bucket when it may.
  AuthVerdict check(std::string_view key, std::string_view model,
                    Clock::time_point now = Clock::now());
  std::size_t size() const { return keys_.size(); }

 private:
  struct Key {
    std::vector<std::string> models;  // empty: every model
    double per_second = 0;            // 0: no limit
    std::mutex mutex;                 // guards the bucket
    double tokens = 0;
    Clock::time_point refilled{};
  };
  std::map<KeyDigest, std::unique_ptr<Key>> keys_;
};

}  // namespace hone::serve
