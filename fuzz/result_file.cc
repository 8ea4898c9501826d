// A load result file (hone load -o): it parses, or names the problem; one that parses writes back
// into one that parses to the same counts.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input.h"
#include "report/result_json.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto result = hone::report::parse_result_json(hone::fuzz::text_of(data, size), "fuzz");
  if (!result) {
    if (result.error().message.empty()) std::abort();
    return 0;
  }
  std::string text;
  hone::report::write_result_json(*result, text);
  if (!hone::report::parse_result_json(text, "again")) std::abort();
  return 0;
}
