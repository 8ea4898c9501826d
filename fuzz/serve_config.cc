// hone serve's YAML config: it loads and validates, or names the problem.
#include "serve/serve_config.h"

#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = hone::fuzz::write_scratch("hone.yaml", data, size);
  hone::serve::ServeConfig config;
  const auto loaded = hone::serve::load_serve_config(path, config);
  if (!loaded) {
    if (loaded.error().message.empty()) std::abort();
    return 0;
  }
  const auto valid = hone::serve::validate(config);
  if (!valid && valid.error().message.empty()) std::abort();
  return 0;
}
