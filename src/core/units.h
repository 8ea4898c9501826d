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
// A wall-clock moment, in Unix milliseconds: Unix seconds ("1796086200", "1796086200.25") or
// RFC 3339 ("2026-12-01T01:30:00Z", "2026-12-01T02:30:00.5+01:00").
Result<std::int64_t> parse_wall_time_ms(std::string_view text);

// "812B", "3.4KiB", "1.20MiB", "2.00GiB": binary units, as parse_bytes reads them.
std::string format_bytes(std::uint64_t bytes);

}  // namespace hone
