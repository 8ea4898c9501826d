#include "core/json_syntax.h"

#include <gtest/gtest.h>

namespace hone {
namespace {

TEST(JsonSyntax, ValidTextHasNoError) {
  for (const char* text : {"{}", " [1, -2.5e3, true, false, null, \"a\\u00e9\\n\"] ",
                           "{\"a\": {\"b\": [[], {}]}}", "0", "\"x\""}) {
    EXPECT_EQ(json_syntax_error(text), std::nullopt) << text;
  }
}

TEST(JsonSyntax, SaysWhereAndWhat) {
  struct Case {
    const char* text;
    const char* error;
  };
  for (const Case& c : {
           Case{"{\"a\": 1,\n \"b\": 2\n \"c\": 3}",
                "line 3, column 2: expected ',' or '}' after an object member"},
           Case{"[1, 2,]",
                "line 1, column 7: expected a value (object, array, string, number, true, false or "
                "null)"},
           Case{"{a: 1}", "line 1, column 2: expected a quoted member name"},
           Case{"{\"a\" 1}", "line 1, column 6: expected ':' after the member name"},
           Case{"[1 2]", "line 1, column 4: expected ',' or ']' after an array element"},
           Case{"\"open", "line 1, column 6: a string is not closed"},
           Case{"\"\\x\"", "line 1, column 3: invalid escape '\\x'"},
           Case{"01", "line 1, column 2: unexpected text after the JSON value"},
           Case{"1.", "line 1, column 3: expected a digit after '.'"},
           Case{"[tru]",
                "line 1, column 2: expected a value (object, array, string, number, true, false or "
                "null)"},
           Case{"", "line 1, column 1: the text ends where a value should be"},
           Case{"{\"a\": [1, 2", "line 1, column 12: expected ',' or ']' after an array element"},
       }) {
    EXPECT_EQ(json_syntax_error(c.text).value_or("(none)"), c.error) << c.text;
  }
  EXPECT_EQ(json_syntax_error("[[[1]]]", 2).value_or(""), "line 1, column 3: nested deeper than 2");
}

}  // namespace
}  // namespace hone
