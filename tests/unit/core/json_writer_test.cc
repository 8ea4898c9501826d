#include "core/json_writer.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace hone {
namespace {

TEST(JsonWriter, PlacesCommasAndNests) {
  std::string out;
  JsonWriter json(out);
  json.begin_object();
  json.key("a").value(1);
  json.key("b").begin_array().value(true).value("x").null().end_array();
  json.key("c").begin_object().end_object();
  json.end_object();
  EXPECT_EQ(out, R"({"a":1,"b":[true,"x",null],"c":{}})");
}

TEST(JsonWriter, PlacesCommasAtAnyDepth) {
  // Scopes beyond the 64 kept inline: [[..[1,2]..,3],3] with 100 levels.
  std::string out;
  std::string expected;
  JsonWriter json(out);
  for (int i = 0; i < 100; ++i) json.begin_array();
  json.value(1).value(2);
  for (int i = 0; i < 100; ++i) {
    json.end_array();
    if (i < 99) json.value(3);
  }
  for (int i = 0; i < 100; ++i) expected += "[";
  expected += "1,2";
  for (int i = 0; i < 100; ++i) expected += i < 99 ? "],3" : "]";
  EXPECT_EQ(out, expected);
}

TEST(JsonWriter, WritesShortestRoundTripFloats) {
  std::string out;
  JsonWriter json(out);
  json.begin_array().value(0.1F).value(25.837576F).value(1e-7).value(3.0F).end_array();
  EXPECT_EQ(out, "[0.1,25.837576,1e-07,3]");
}

TEST(JsonWriter, WritesNonFiniteNumbersAsNull) {
  std::string out;
  JsonWriter json(out);
  json.begin_array()
      .value(std::nanf(""))
      .value(std::numeric_limits<double>::infinity())
      .end_array();
  EXPECT_EQ(out, "[null,null]");
}

TEST(JsonWriter, EscapesStrings) {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\x01\r\te");
  EXPECT_EQ(out, R"("a\"b\\c\nd\u0001\r\te")");
  out.clear();
  append_json_string(out, "plain text, then \x1f");
  EXPECT_EQ(out, R"("plain text, then \u001f")");
}

}  // namespace
}  // namespace hone
