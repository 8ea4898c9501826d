#include "core/units.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/strings.h"

namespace hone {
namespace {

struct NumberAndSuffix {
  double number = 0;
  std::string_view suffix;
};

Result<NumberAndSuffix> split_number(std::string_view text, std::string_view what) {
  text = trim(text);
  std::size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0) {
    return fail("invalid " + std::string(what) + " '" + std::string(text) + "': expected a number");
  }
  NumberAndSuffix out;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + digits, out.number);
  if (ec != std::errc() || end != text.data() + digits || !std::isfinite(out.number)) {
    return fail("invalid " + std::string(what) + " '" + std::string(text) + "'");
  }
  out.suffix = trim(text.substr(digits));
  return out;
}

}  // namespace

Result<std::chrono::microseconds> parse_duration(std::string_view text) {
  auto parsed = split_number(text, "duration");
  if (!parsed) return parsed.error();
  const std::string suffix = to_lower(parsed->suffix);
  double scale = 0;  // microseconds per unit
  if (suffix.empty() || suffix == "s") {
    scale = 1e6;
  } else if (suffix == "us" || suffix == "µs") {
    scale = 1;
  } else if (suffix == "ms") {
    scale = 1e3;
  } else if (suffix == "m" || suffix == "min") {
    scale = 60e6;
  } else if (suffix == "h") {
    scale = 3600e6;
  } else {
    return fail("invalid duration '" + std::string(trim(text)) +
                "': unit must be one of us, ms, s, m, h");
  }
  const double micros = parsed->number * scale;
  if (micros > 1e15) return fail("duration '" + std::string(trim(text)) + "' is too long");
  return std::chrono::microseconds(static_cast<std::int64_t>(std::llround(micros)));
}

Result<std::uint64_t> parse_bytes(std::string_view text) {
  auto parsed = split_number(text, "size");
  if (!parsed) return parsed.error();
  const std::string suffix = to_lower(parsed->suffix);
  double scale = 0;
  if (suffix.empty() || suffix == "b") {
    scale = 1;
  } else if (suffix == "k" || suffix == "kb") {
    scale = 1e3;
  } else if (suffix == "kib") {
    scale = 1024;
  } else if (suffix == "m" || suffix == "mb") {
    scale = 1e6;
  } else if (suffix == "mib") {
    scale = 1024.0 * 1024;
  } else if (suffix == "g" || suffix == "gb") {
    scale = 1e9;
  } else if (suffix == "gib") {
    scale = 1024.0 * 1024 * 1024;
  } else {
    return fail("invalid size '" + std::string(trim(text)) +
                "': unit must be one of B, k, KiB, M, MiB, G, GiB");
  }
  const double bytes = parsed->number * scale;
  if (bytes > 1e15) return fail("size '" + std::string(trim(text)) + "' is too large");
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::string format_duration(std::chrono::nanoseconds duration) {
  const double ns = static_cast<double>(duration.count());
  char buffer[32];
  if (ns < 1e3) {
    std::snprintf(buffer, sizeof buffer, "%.0fns", ns);
  } else if (ns < 1e6) {
    std::snprintf(buffer, sizeof buffer, "%.1fus", ns / 1e3);
  } else if (ns < 1e9) {
    std::snprintf(buffer, sizeof buffer, "%.2fms", ns / 1e6);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2fs", ns / 1e9);
  }
  return buffer;
}

std::string format_bytes(std::uint64_t bytes) {
  const double value = static_cast<double>(bytes);
  char buffer[32];
  if (bytes < 1024) {
    std::snprintf(buffer, sizeof buffer, "%lluB", static_cast<unsigned long long>(bytes));
  } else if (bytes < 1024 * 1024) {
    std::snprintf(buffer, sizeof buffer, "%.1fKiB", value / 1024);
  } else if (bytes < 1024ULL * 1024 * 1024) {
    std::snprintf(buffer, sizeof buffer, "%.2fMiB", value / (1024.0 * 1024));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.2fGiB", value / (1024.0 * 1024 * 1024));
  }
  return buffer;
}

}  // namespace hone
