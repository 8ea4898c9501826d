#include "core/units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>

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

Result<std::int64_t> parse_wall_time_ms(std::string_view text) {
  const std::string given(text);
  const auto bad = [&given] {
    return fail("'" + given +
                "' is not a moment: give Unix seconds (1796086200) or RFC 3339 "
                "(2026-12-01T01:30:00Z)");
  };
  if (!given.empty() && given.find_first_not_of("0123456789.") == std::string::npos) {
    char* end = nullptr;
    const double seconds = std::strtod(given.c_str(), &end);
    if (*end != '\0' || seconds > 1e11) return bad();
    return static_cast<std::int64_t>(std::llround(seconds * 1000));
  }
  std::tm parts{};
  int consumed = 0;
  if (std::sscanf(given.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &parts.tm_year, &parts.tm_mon,
                  &parts.tm_mday, &parts.tm_hour, &parts.tm_min, &parts.tm_sec, &consumed) != 6 ||
      consumed != 19) {
    return bad();
  }
  if (parts.tm_mon < 1 || parts.tm_mon > 12 || parts.tm_mday < 1 || parts.tm_mday > 31 ||
      parts.tm_hour > 23 || parts.tm_min > 59 || parts.tm_sec > 60) {
    return bad();
  }
  parts.tm_year -= 1900;
  parts.tm_mon -= 1;
  std::int64_t ms = static_cast<std::int64_t>(timegm(&parts)) * 1000;
  std::string_view rest = std::string_view(given).substr(19);
  if (!rest.empty() && rest.front() == '.') {
    std::size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    if (digits == 1) return bad();
    const double fraction = std::strtod(std::string(rest.substr(0, digits)).c_str(), nullptr);
    ms += static_cast<std::int64_t>(std::llround(fraction * 1000));
    rest.remove_prefix(digits);
  }
  if (rest == "Z" || rest == "z") return ms;
  int hours = 0;
  int minutes = 0;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':' ||
      std::sscanf(std::string(rest.substr(1)).c_str(), "%2d:%2d", &hours, &minutes) != 2 ||
      hours > 23 || minutes > 59) {
    return bad();
  }
  const std::int64_t offset = (hours * 60 + minutes) * 60'000LL;
  return rest[0] == '+' ? ms - offset : ms + offset;
}

}  // namespace hone
