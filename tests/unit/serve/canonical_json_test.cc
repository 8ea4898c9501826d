// Equal JSON values written differently get the same canonical bytes; different ones do not.
#include "serve/canonical_json.h"

#include <gtest/gtest.h>

namespace hone::serve {
namespace {

std::string canon(const std::string& text) {
  auto out = canonical_json(text, 32);
  EXPECT_TRUE(out) << text;
  return out ? *out : "";
}

TEST(CanonicalJson, KeyOrderWhitespaceAndNumberSpellingDoNotMatter) {
  const std::string expected = R"({"a":1,"b":[1.5,-2,0,"x"],"c":{"d":null,"e":true}})";
  EXPECT_EQ(canon(R"({"c": {"e": true, "d": null}, "b": [1.5, -2, 0, "x"], "a": 1})"), expected);
  EXPECT_EQ(canon(" {\n\"a\":1.0,\"b\":[15e-1,-2.000,-0,\"x\"],\"c\":{\"e\":true,\"d\":null}}\t"),
            expected);
  EXPECT_EQ(canon(R"({"a":10E-1,"b":[1.50,-20e-1,0.0,"x"],"c":{"d":null,"e":true}})"), expected);
}

// Found by fuzz/canonical_json.cc: a double beyond 2^53 with no fraction was written as a long
// integer, which the JSON reader refuses; the canonical form must itself be JSON.
TEST(CanonicalJson, LargeDoublesStayReadable) {
  const auto once = canonical_json("[-888888888888888888888.0, 1e300]", 32);
  ASSERT_TRUE(once);
  EXPECT_EQ(*once, "[-8.888888888888889e+20,1e+300]");
  const auto twice = canonical_json(*once, 32);
  ASSERT_TRUE(twice) << twice.error().message;
  EXPECT_EQ(*twice, *once);
}

TEST(CanonicalJson, DifferentValuesStayDifferent) {
  EXPECT_NE(canon(R"({"a":1})"), canon(R"({"a":"1"})"));
  EXPECT_NE(canon(R"([1,2])"), canon(R"([2,1])"));
  EXPECT_NE(canon(R"({"a":0.1})"), canon(R"({"a":0.10000001})"));
  // Integers beyond 2^53 keep their digits rather than collapsing to one double.
  EXPECT_NE(canon("9007199254740993"), canon("9007199254740992"));
  EXPECT_EQ(canon("18446744073709551615"), "18446744073709551615");
}

TEST(CanonicalJson, StringsGetOneSpelling) {
  EXPECT_EQ(canon(R"("\u0041\/\u00e9")"), "\"A/\xc3\xa9\"");
  EXPECT_EQ(canon(R"("tab\there\u0001")"), R"("tab\there\u0001")");
}

TEST(CanonicalJson, BadOrTooDeepIs400) {
  const auto bad = canonical_json("{not json", 32);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, 400);
  const auto deep = canonical_json("[[[[1]]]]", 3);
  ASSERT_FALSE(deep);
  EXPECT_EQ(deep.error().code, 400);
  EXPECT_TRUE(canonical_json("[[[[1]]]]", 4));
}

}  // namespace
}  // namespace hone::serve
