// A model's config.yaml: it loads, or names the problem; a config that loads writes back (to_yaml)
// into one that loads the same.
#include "model/model_config.h"

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const std::string dir = hone::fuzz::scratch_file("model");
  static const bool made = std::filesystem::create_directories(dir) || true;
  (void)made;
  std::ofstream(dir + "/config.yaml", std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  const auto config = hone::model::load_model_config(dir);
  if (!config) {
    if (config.error().message.empty()) std::abort();
    return 0;
  }
  std::ofstream(dir + "/config.yaml", std::ios::trunc) << hone::model::to_yaml(*config);
  const auto back = hone::model::load_model_config(dir);
  if (!back || back->name != config->name || back->auth != config->auth ||
      back->admission.max_in_flight != config->admission.max_in_flight ||
      back->version_policy != config->version_policy) {
    std::abort();
  }
  return 0;
}
