// The identity of a prediction for caching and coalescing: model, version, the artifact's
// fingerprint and the canonical
// bytes of the input tensor (NaN payloads and -0 normalised, so that equal inputs written
// differently in JSON share an entry), with a 128-bit XXH3 hash. Equality compares the bytes,
// never only the hash, so a collision can never return another input's answer.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hone::serve {

struct CacheKey {
  std::string bytes;
  std::uint64_t hash_low = 0;
  std::uint64_t hash_high = 0;

  bool operator==(const CacheKey& other) const {
    return hash_low == other.hash_low && hash_high == other.hash_high && bytes == other.bytes;
  }
};

struct CacheKeyHash {
  std::size_t operator()(const CacheKey& key) const { return key.hash_low; }
};

CacheKey make_cache_key(const std::string& model, const std::string& version,
                        const std::string& fingerprint, const std::vector<float>& rows,
                        std::size_t row_count);

// A key of bytes the caller assembled (a json upstream's request), hashed.
CacheKey make_cache_key(std::string bytes);

// The hash as 32 hex digits (the Redis key).
std::string hex(const CacheKey& key);

}  // namespace hone::serve
