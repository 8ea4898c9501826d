// hone load's scenario YAML: it reads, or names the problem.
#include "load/scenario.h"

#include <cstdint>
#include <cstdlib>

#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = hone::fuzz::write_scratch("scenario.yaml", data, size);
  const auto scenario = hone::load::read_scenario(path);
  if (!scenario && scenario.error().message.empty()) std::abort();
  return 0;
}
