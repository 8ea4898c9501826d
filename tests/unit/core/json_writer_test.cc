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
  append_json_string(out, "a\"b\\c\nd\x01");
  EXPECT_EQ(out, R"("a\"b\\c\nd\u0001")");
}

}  // namespace
}  // namespace hone
