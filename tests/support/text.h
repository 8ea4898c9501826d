// Text of files tests run as written (deploy/, docs; read with fixture_files.h's
// read_whole_file): count and replace strings in it.
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace hone::test {

inline int count_of(const std::string& text, const std::string& part) {
  int found = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) {
    ++found;
  }
  return found;
}

// `text` with every `from` replaced by `to`. The test fails when there is none: a file edited
// under the test must not leave it running something else unnoticed.
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  EXPECT_GT(count_of(text, from), 0) << "'" << from << "' is not in the file";
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

}  // namespace hone::test
