#include "core/strings.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

TEST(Strings, SplitKeepsEmptyParts) {
  const auto parts = split("a//b/", '/');
  ASSERT_EQ(parts.size(), 4U);
  EXPECT_EQ(parts[0], "a");
  EXPECT_EQ(parts[1], "");
  EXPECT_EQ(parts[2], "b");
  EXPECT_EQ(parts[3], "");
}

TEST(Strings, TrimAndCase) {
  EXPECT_EQ(trim("  x y \t"), "x y");
  EXPECT_EQ(trim("\r\n\v\fx\r\n"), "x");
  EXPECT_EQ(trim("\xa0x\xa0"), "\xa0x\xa0");  // ASCII whitespace only
  EXPECT_FALSE(iequals("@", "`"));            // neighbours of A and a
  EXPECT_FALSE(iequals("[", "{"));            // neighbours of Z and z
  EXPECT_TRUE(iequals("AZ", "az"));
  EXPECT_EQ(hex_digit('0'), 0);
  EXPECT_EQ(hex_digit('9'), 9);
  EXPECT_EQ(hex_digit('a'), 10);
  EXPECT_EQ(hex_digit('F'), 15);
  EXPECT_EQ(hex_digit('g'), -1);
  EXPECT_EQ(hex_digit('/'), -1);
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("abc", "abcd"));
  EXPECT_EQ(to_lower("AbC"), "abc");
  EXPECT_EQ(join({"a", "b", "c"}, ", "), "a, b, c");
}

TEST(Strings, ConstantTimeEqualsComparesWholeSecrets) {
  EXPECT_TRUE(constant_time_equals("s3cret", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3cres", "s3cret"));
  EXPECT_FALSE(constant_time_equals("s3cre", "s3cret"));         // a prefix
  EXPECT_FALSE(constant_time_equals("s3crets", "s3cret"));       // longer
  EXPECT_FALSE(constant_time_equals("s3crets3cret", "s3cret"));  // the secret twice
  EXPECT_FALSE(constant_time_equals("", "s3cret"));
  EXPECT_FALSE(constant_time_equals("", ""));  // no secret never matches
  EXPECT_FALSE(constant_time_equals("x", ""));
}

}  // namespace
}  // namespace hone
