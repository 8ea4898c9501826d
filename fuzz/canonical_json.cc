// The canonical form of a JSON body (the json upstream's cache key): either an error, or a text
// that is itself valid JSON and its own canonical form.
#include "serve/canonical_json.h"

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  const auto canonical = hone::serve::canonical_json(body, 32);
  if (!canonical) return 0;
  const auto again = hone::serve::canonical_json(*canonical, 32);
  if (!again || *again != *canonical) std::abort();
  return 0;
}
