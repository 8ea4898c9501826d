// Parsing and printing of the human units used in flags and config files:
// durations ("250us", "500ms", "30s", "1m", "2h") and byte sizes ("512", "64k", "1MiB", "2MB").
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace hone {

// A bare number is read as seconds for durations and as bytes for sizes.
Result<std::chrono::microseconds> parse_duration(std::string_view text);
Result<std::uint64_t> parse_bytes(std::string_view text);

// "1.5ms", "320us", "2.0s": the shortest unit that keeps the number readable.
std::string format_duration(std::chrono::nanoseconds duration);
// "812B", "3.4KiB", "1.20MiB", "2.00GiB": binary units, as parse_bytes reads them.
std::string format_bytes(std::uint64_t bytes);

}  // namespace hone
