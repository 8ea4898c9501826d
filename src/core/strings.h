// Small string helpers shared by every area (no allocation unless the result needs it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hone {

std::string_view trim(std::string_view text);
std::vector<std::string_view> split(std::string_view text, char separator);
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
// The value of a hexadecimal digit, -1 for any other character.
int hex_digit(char c);

// Whether two secrets are equal, in a time that depends on `given`'s length only, never on where
// the first difference is (for tokens and keys a client presents).
bool constant_time_equals(std::string_view given, std::string_view secret);

// Joins items with a separator: join({"a","b"}, ", ") == "a, b".
std::string join(const std::vector<std::string>& items, std::string_view separator);

}  // namespace hone
