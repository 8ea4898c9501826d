// A JSON Web Key Set file: it loads keys, or names the problem.
#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"
#include "serve/jwt_verifier.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  hone::serve::JwtSettings settings;
  settings.jwks_file = hone::fuzz::write_scratch("jwks.json", data, size);
  const auto verifier = hone::serve::JwtVerifier::load(settings);
  if (!verifier && verifier.error().message.empty()) std::abort();
  if (verifier && (*verifier)->keys() == 0) std::abort();
  return 0;
}
