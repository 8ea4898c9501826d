// Seeded, repeatable mutations of valid inputs, for tests that every parser and the server
// survive malformed input: an answer or a clear error, never a crash, a hang or a sanitizer report.
// Each mutant applies one to three edits: flip a bit, drop, repeat or truncate a span, swap two
// bytes, or splice in a token that parsers find hard (deep brackets, huge numbers, NUL, UTF-8
// fragments, separators), or replace a number with a hostile one (negative, zero, huge, NaN),
// which is what reaches index and size checks behind a syntax check.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace hone::test {

// How many mutants a test tries: `base`, times HONE_MUTATION_SCALE when set (for a deeper search,
// e.g. HONE_MUTATION_SCALE=50 ctest --preset asan-ubsan -R Mutat).
inline int mutation_rounds(int base) {
  const char* scale = std::getenv("HONE_MUTATION_SCALE");
  const int factor = scale != nullptr ? std::atoi(scale) : 1;
  return base * (factor > 1 ? factor : 1);
}

class Mutator {
 public:
  explicit Mutator(std::uint32_t seed) : rng_(seed) {}

  std::string mutate(const std::string& original) {
    std::string s = original;
    const int edits = 1 + static_cast<int>(below(3));
    for (int i = 0; i < edits; ++i) edit(s);
    return s;
  }

  // One number replaced, nothing else: the text stays well-formed and reaches semantic checks.
  std::string mutate_number(const std::string& original) {
    std::string s = original;
    replace_number(s);
    return s;
  }

 private:
  std::size_t below(std::size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_);
  }

  void edit(std::string& s) {
    static const std::vector<std::string> kTokens = {
        "{",
        "}",
        "[",
        "]",
        "\"",
        ",",
        ":",
        "-",
        "1e999",
        "-1e-999",
        "NaN",
        "null",
        "true",
        "18446744073709551616",
        "\\u0000",
        "\\",
        "\xff",
        "\xc3",
        "\xe2\x82",
        "\r\n",
        "\r\n\r\n",
        "\n",
        " ",
        "\t",
        "%",
        "%00",
        std::string(1, '\0'),
        "-:",
        "#",
        "&",
        "0x",
        "99999999999",
        std::string(64, '['),
        std::string(300, '{'),
        "Content-Length: 5\r\n",
        "Transfer-Encoding: chunked\r\n",
    };
    const std::size_t at = below(s.size() + 1);
    switch (below(8)) {
      case 0:
        if (!s.empty()) s[below(s.size())] ^= static_cast<char>(1u << below(8));
        break;
      case 1:
        if (!s.empty()) s.erase(below(s.size()), 1 + below(8));
        break;
      case 2:
        s.insert(at, kTokens[below(kTokens.size())]);
        break;
      case 3:
        if (!s.empty()) {
          const std::size_t from = below(s.size());
          s.insert(at, s.substr(from, 1 + below(16)));
        }
        break;
      case 4:
        s.resize(at);
        break;
      case 5:
        if (s.size() > 1) std::swap(s[below(s.size())], s[below(s.size())]);
        break;
      case 6:
        replace_number(s);
        break;
      default:
        if (!s.empty()) s[below(s.size())] = kTokens[below(kTokens.size())].front();
        break;
    }
  }

  void replace_number(std::string& s) {
    static const std::vector<std::string> kNumbers = {
        "-1",         "0",           "1",
        "2",          "-2147483648", "2147483647",
        "4294967295", "4294967296",  "9223372036854775807",
        "1e308",      "-1e308",      "nan",
        "0.5",        "65536",       "7",
    };
    std::vector<std::size_t> starts;
    for (std::size_t i = 0; i < s.size(); ++i) {
      const bool digit = s[i] >= '0' && s[i] <= '9';
      const bool after_digit = i > 0 && ((s[i - 1] >= '0' && s[i - 1] <= '9') || s[i - 1] == '.');
      if (digit && !after_digit) starts.push_back(i);
    }
    if (starts.empty()) return;
    const std::size_t at = starts[below(starts.size())];
    std::size_t end = at;
    while (end < s.size() && ((s[end] >= '0' && s[end] <= '9') || s[end] == '.' || s[end] == 'e' ||
                              s[end] == 'E' || s[end] == '-' || s[end] == '+')) {
      ++end;
    }
    const std::size_t from = at > 0 && s[at - 1] == '-' ? at - 1 : at;
    s.replace(from, end - from, kNumbers[below(kNumbers.size())]);
  }

  std::mt19937 rng_;
};

}  // namespace hone::test
