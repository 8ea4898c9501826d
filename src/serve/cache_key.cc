#include "serve/cache_key.h"

#include <xxhash.h>

#include <cmath>
#include <cstring>
#include <limits>

namespace hone::serve {

CacheKey make_cache_key(const std::string& model, const std::string& version,
                        const std::string& fingerprint, const std::vector<float>& rows,
                        std::size_t row_count) {
  CacheKey key;
  key.bytes.reserve(model.size() + version.size() + fingerprint.size() + 11 +
                    rows.size() * sizeof(float));
  key.bytes.append(model).push_back('\0');
  key.bytes.append(version).push_back('\0');
  key.bytes.append(fingerprint).push_back('\0');
  const auto count = static_cast<std::uint64_t>(row_count);
  key.bytes.append(reinterpret_cast<const char*>(&count), sizeof count);
  const std::size_t start = key.bytes.size();
  key.bytes.resize(start + rows.size() * sizeof(float));
  char* out = key.bytes.data() + start;
  for (float value : rows) {
    if (std::isnan(value)) value = std::numeric_limits<float>::quiet_NaN();
    if (value == 0.0F) value = 0.0F;  // -0 and +0 predict alike
    std::memcpy(out, &value, sizeof value);
    out += sizeof value;
  }
  return make_cache_key(std::move(key.bytes));
}

CacheKey make_cache_key(std::string bytes) {
  CacheKey key;
  key.bytes = std::move(bytes);
  const XXH128_hash_t hash = XXH3_128bits(key.bytes.data(), key.bytes.size());
  key.hash_low = hash.low64;
  key.hash_high = hash.high64;
  return key;
}

std::string hex(const CacheKey& key) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(32, '0');
  for (int i = 0; i < 16; ++i) {
    out[static_cast<std::size_t>(15 - i)] = kDigits[(key.hash_high >> (4 * i)) & 0xf];
    out[static_cast<std::size_t>(31 - i)] = kDigits[(key.hash_low >> (4 * i)) & 0xf];
  }
  return out;
}

}  // namespace hone::serve
